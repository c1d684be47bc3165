package main

import (
	"slices"
	"testing"
)

func reportOf(keys ...string) map[string]podUsage {
	seen := map[string]podUsage{}
	for _, k := range keys {
		seen[k] = podUsage{}
	}
	return seen
}

// A pod that stops being reported by its node loses its figures (kubectl top no longer lists a
// deleted pod), and a pod that moved keeps the figures its new node reported.
func TestNodeReportsDropOnlyWhatTheReportingNodeLost(t *testing.T) {
	r := newNodeReports()
	if gone := r.update("n1", reportOf("ns/a", "ns/b")); len(gone) != 0 {
		t.Fatalf("first report dropped %v", gone)
	}
	if gone := r.update("n2", reportOf("ns/c")); len(gone) != 0 {
		t.Fatalf("another node's report dropped %v", gone)
	}
	if gone := r.update("n1", reportOf("ns/a")); !slices.Equal(gone, []string{"ns/b"}) {
		t.Fatalf("n1 stopped reporting ns/b: dropped %v, want [ns/b]", gone)
	}
	// ns/a moves to n2; n1's next report no longer has it, and that must not drop n2's figures.
	if gone := r.update("n2", reportOf("ns/a", "ns/c")); len(gone) != 0 {
		t.Fatalf("n2 picking up ns/a dropped %v", gone)
	}
	if gone := r.update("n1", reportOf()); len(gone) != 0 {
		t.Fatalf("n1 reporting nothing dropped %v, though ns/a is on n2 now", gone)
	}
	if gone := r.update("n2", reportOf("ns/c")); !slices.Equal(gone, []string{"ns/a"}) {
		t.Fatalf("n2 stopped reporting ns/a: dropped %v, want [ns/a]", gone)
	}
}
