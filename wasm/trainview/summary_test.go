package trainview

import (
	"testing"

	_ "metaglot/core/algo/all" // the algorithms' labels
	"metaglot/wasm/trainer/protocol"
)

func TestSummary(t *testing.T) {
	var v View
	m := v.Summary()
	if m["snapshotEpisode"] != -1 || m["userPoints"] != 0 || len(m["heldOut"].([]any)) != 0 || m["ready"] != false {
		t.Fatalf("empty view: %v", m)
	}
	v.Apply(protocol.Event{Type: protocol.EvReady})
	v.Apply(protocol.Event{Type: protocol.EvState, State: protocol.Running, Algo: "fomaml", Total: 8})
	v.Apply(protocol.Event{Type: protocol.EvProgress, Steps: []protocol.Step{{Episode: 4, Loss: 1.5, Acc: 0.25}}, Episodes: 4, Total: 8, HeapBytes: 99})
	v.Apply(protocol.Event{Type: protocol.EvEval, Eval: &protocol.Eval{Episode: 4, Acc: 0.5, CI95: 0.1, Before: 0.2}})
	v.Apply(protocol.Event{Type: protocol.EvSnapshot, Snapshot: &protocol.Snapshot{Episode: 4, Points: []protocol.Point{
		{Kind: protocol.SupportPoint}, {Kind: protocol.UserPoint}, {Kind: protocol.UserPoint}}}})
	m = v.Summary()
	held := m["heldOut"].([]any)
	if m["state"] != "running" || m["algorithm"] != "fomaml" || m["episodes"] != 4 || m["total"] != 8 || m["steps"] != 1 ||
		m["lastLoss"] != 1.5 || m["lastAcc"] != 0.25 || m["heapBytes"] != uint64(99) ||
		m["snapshotEpisode"] != 4 || m["userPoints"] != 2 || len(held) != 1 || held[0].(map[string]any)["acc"] != 0.5 ||
		held[0].(map[string]any)["before"] != 0.2 || m["adapts"] != true {
		t.Fatalf("summary %v", m)
	}
	// ProtoNet does not adapt: no accuracy before adaptation.
	v.Apply(protocol.Event{Type: protocol.EvState, State: protocol.Finished, Algo: "fomaml"})
	v.Apply(protocol.Event{Type: protocol.EvState, State: protocol.Running, Algo: "protonet", Total: 8})
	v.Apply(protocol.Event{Type: protocol.EvEval, Eval: &protocol.Eval{Episode: 4, Acc: 0.5}})
	m = v.Summary()
	if _, ok := m["heldOut"].([]any)[0].(map[string]any)["before"]; ok || m["adapts"] != false {
		t.Errorf("protonet summary %v", m)
	}
}
