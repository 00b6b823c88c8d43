package main

import (
	"syscall/js"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/wasm/browser"
	"metaglot/wasm/site"
	"metaglot/wasm/trainview"
)

// buildForm makes the Train view's settings form, one control per
// trainview.Field (the learner, every setting the registry defines, the
// start), in #train-fields, and shows the first learner's settings.
func (d *dom) buildForm(g *Game) {
	t := &g.train.js
	t.fields, t.boxes = map[string]js.Value{}, map[string]js.Value{}
	box := t.el["train-fields"]
	box.Set("textContent", "")
	for _, f := range trainview.Fields() {
		label := d.create("label", "title", f.Help, "text", f.Label+" ")
		var c js.Value
		switch f.Kind {
		case algo.Choice:
			c = d.create("select", "id", f.ID)
			for i, v := range f.Choices {
				c.Call("appendChild", d.create("option", "value", v, "text", f.ChoiceLabels[i]))
			}
		case algo.Bool:
			c = d.create("input", "id", f.ID, "type", "checkbox")
		case algo.Float:
			c = d.create("input", "id", f.ID, "inputmode", "decimal", "autocomplete", "off")
		default:
			c = d.create("input", "id", f.ID, "inputmode", "numeric", "autocomplete", "off")
		}
		label.Call("appendChild", c)
		box.Call("appendChild", label)
		t.fields[f.Name], t.boxes[f.Name] = c, label
	}
	t.form = trainview.NewForm("", d.rng.Uint64())
	preset := t.el["train-preset"]
	for _, p := range trainview.Presets() {
		preset.Call("appendChild", d.create("option", "value", p.Name, "text", p.Label))
	}
	d.on("train-preset", "change", func(g *Game, e js.Value) {
		name := e.Get("target").Get("value").String()
		if name == "" {
			return
		}
		if err := t.form.ApplyPreset(name, d.rng.Uint64()); err != nil {
			d.markField(g, "", err.Error())
			return
		}
		d.fillForm(g)
		g.train.v.Message = "The quick demo's settings are in the fields: press Start (or change them first)."
	})
	choose := func(g *Game, _ js.Value) {
		t.form.Choose(d.formValue(g, "algo"), d.formValue(g, "init"), d.rng.Uint64())
		preset.Set("value", "") // the fields are the learner's own again
		d.fillForm(g)
	}
	d.on(trainview.FieldID("algo"), "change", choose)
	d.on(trainview.FieldID("init"), "change", choose)
	// The split shows or hides the settings that require one (the Lake
	// protocol's); the values typed elsewhere stay.
	d.on(trainview.FieldID("split"), "change", func(g *Game, _ js.Value) {
		if t.form.Set("split", d.formValue(g, "split")) == nil {
			d.showFields(g)
		}
	})
	d.fillForm(g)
}

// formValue returns the text of the form's field named name ("true" or
// "false" for a checkbox).
func (d *dom) formValue(g *Game, name string) string {
	c := g.train.js.fields[name]
	if c.Get("type").String() == "checkbox" {
		if c.Get("checked").Bool() {
			return "true"
		}
		return "false"
	}
	return c.Get("value").String()
}

// fillForm shows the form's settings (trainview.Form) in its fields,
// hides those that do not apply to the learner, and fetches the bundled
// model's recipe when the form needs it.
func (d *dom) fillForm(g *Game) {
	t := &g.train.js
	for name, c := range t.fields {
		v := t.form.Value(name)
		if c.Get("type").String() == "checkbox" {
			c.Set("checked", v == "true")
		} else {
			c.Set("value", v)
		}
		t.boxes[name].Set("hidden", !t.form.Shown(name))
	}
	d.markField(g, "", "")
	if a, ok := t.form.RecipeNeeded(); ok {
		go func() {
			data, err := browser.FetchBytes(site.Weights(a))
			var meta map[string]string
			if err == nil {
				_, meta, err = checkpoint.Decode(data)
			}
			d.do(func(g *Game) {
				shown := false
				if err == nil {
					shown, err = t.form.SetRecipe(a, meta)
				}
				if err != nil {
					g.train.v.Message = "The bundled model's recipe is not shown: " + err.Error()
					return
				}
				if shown { // otherwise the user has moved on: keep what the fields say
					d.fillForm(g)
				}
			})
		}()
	}
}

// showFields hides the fields that do not apply (trainview.Form.Shown).
func (d *dom) showFields(g *Game) {
	t := &g.train.js
	for name := range t.fields {
		t.boxes[name].Set("hidden", !t.form.Shown(name))
	}
}

// markField shows a form error for the field named field (none for "").
func (d *dom) markField(g *Game, field, msg string) {
	t := &g.train.js
	for name, c := range t.fields {
		if name == field {
			c.Call("setAttribute", "aria-invalid", "true")
		} else {
			c.Call("removeAttribute", "aria-invalid")
		}
	}
	setText(t.el["train-error"], msg)
}

// startTraining reads the form and starts a run, or says why it cannot.
func (d *dom) startTraining(g *Game) {
	t := &g.train.js
	if !g.train.v.Ready {
		d.markField(g, "", "The trainer is still loading the Omniglot images; try again in a moment.")
		return
	}
	st, err := trainview.Read(func(name string) string { return d.formValue(g, name) })
	if err != nil {
		field := trainview.FieldOf(err)
		d.markField(g, field, "Not started: "+err.Error())
		if c, ok := t.fields[field]; ok {
			c.Call("focus")
		}
		return
	}
	d.markField(g, "", "")
	t.sent = &st
	t.post(st.Command())
}
