package main

import (
	"flag"
	"io"
	"regexp"
	"strings"
	"testing"

	"metaglot/core/algo"
)

// Every setting of the registry is a flag of train, lands in its field of
// the config when given, and is told apart by configDiff; its help names
// the reference defaults of the algorithms it applies to.
func TestSettingFlagsFromRegistry(t *testing.T) {
	spec, err := algo.Lookup("fomaml")
	if err != nil {
		t.Fatal(err)
	}
	want := runConfig{spec.Defaults}
	want.BN, want.ProtoHead, want.Seed, want.Split, want.LRHalve, want.ValEvery = "running", true, 99, "lake", 7, 3
	for _, st := range algo.Settings() {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		addSettingFlags(fs)
		if fs.Lookup(st.Flag) == nil {
			t.Errorf("no flag -%s for setting %s", st.Flag, st.Name)
			continue
		}
		if err := fs.Parse([]string{"-" + st.Flag + "=" + st.Format(want.Config)}); err != nil {
			t.Fatalf("-%s: %v", st.Flag, err)
		}
		var got runConfig
		applyFlags(&got, fs)
		if !st.Equal(got.Config, want.Config) {
			t.Errorf("-%s %s: config holds %v", st.Flag, st.Format(want.Config), st.Get(got.Config))
		}
		if d := configDiff(runConfig{}, got); d != "" && !strings.HasPrefix(d, "-"+st.Flag+" ") {
			t.Errorf("configDiff after -%s = %q, want it named", st.Flag, d)
		}
	}
	var help strings.Builder
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(&help)
	addSettingFlags(fs)
	fs.PrintDefaults()
	// Other registered algorithms may join the lists.
	for _, re := range []string{`\(default protonet 60, [a-z/]*reptile[a-z/]* 5`, `protonet/fomaml[a-z/]*: halve`, `fomaml/reptile[a-z/]*: inner SGD learning rate \(default fomaml 0.4, reptile 0.1`} {
		if !regexp.MustCompile(re).MatchString(help.String()) {
			t.Errorf("train's flag help does not match %q:\n%s", re, help.String())
		}
	}
}
