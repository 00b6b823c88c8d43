package main

import (
	"flag"
	"fmt"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/modelfile"
)

// addSettingFlags defines on fs one flag per run setting of the registry
// (algo.Settings), each with a zero default — the algorithm's reference
// settings fill what is not given (applyFlags) — and a help text that
// names the algorithms it applies to and their defaults.
func addSettingFlags(fs *flag.FlagSet) {
	for _, st := range algo.Settings() {
		help := settingHelp(st)
		switch st.Kind {
		case algo.Int:
			fs.Int(st.Flag, 0, help)
		case algo.Float:
			fs.Float64(st.Flag, 0, help)
		case algo.Bool:
			fs.Bool(st.Flag, false, help)
		case algo.Uint:
			fs.Uint64(st.Flag, 0, help)
		case algo.Choice:
			fs.String(st.Flag, "", help)
		}
	}
}

// settingHelp returns the help of a setting's flag: the algorithms it
// applies to (when not all), what it does, and its reference default per
// algorithm, "(default protonet 60, fomaml/reptile 5)".
func settingHelp(st algo.Setting) string {
	var applies []string
	var groups []string              // default values, in order of first use
	byValue := map[string][]string{} // default value -> algorithms
	all := algo.All()
	for _, s := range all {
		if !s.Applies(st.Name) {
			continue
		}
		applies = append(applies, s.Name)
		v := st.Format(s.Defaults)
		if _, ok := byValue[v]; !ok {
			groups = append(groups, v)
		}
		byValue[v] = append(byValue[v], s.Name)
	}
	help := st.Help
	if len(applies) < len(all) {
		help = strings.Join(applies, "/") + ": " + help
	}
	switch {
	case st.Kind == algo.Bool:
	case len(groups) == 1:
		help += " (default " + groups[0] + ")"
	case len(groups) > 1:
		var parts []string
		for _, v := range groups {
			parts = append(parts, strings.Join(byValue[v], "/")+" "+v)
		}
		help += " (default " + strings.Join(parts, ", ") + ")"
	}
	return help
}

// applyFlags overrides c's fields with the run-setting flags of fs that
// were given.
func applyFlags(c *runConfig, fs *flag.FlagSet) {
	byFlag := map[string]algo.Setting{}
	for _, st := range algo.Settings() {
		byFlag[st.Flag] = st
	}
	fs.Visit(func(f *flag.Flag) {
		if st, ok := byFlag[f.Name]; ok {
			st.Set(&c.Config, f.Value.(flag.Getter).Get())
		}
	})
}

// configDiff returns "-flag value" for the first setting of b that differs
// from a, or "" if they agree.
func configDiff(a, b runConfig) string {
	for _, st := range algo.Settings() {
		if !st.Equal(a.Config, b.Config) {
			return fmt.Sprintf("-%s %s", st.Flag, st.Format(b.Config))
		}
	}
	return ""
}

// runTimeOnly copies from src into dst the settings that may change when a
// run resumes (algo.Setting.RunTime) and the planned episodes.
func runTimeOnly(dst *runConfig, src modelfile.Config) {
	for _, st := range algo.Settings() {
		if st.RunTime || st.Name == "episodes" {
			st.Copy(&dst.Config, src)
		}
	}
}
