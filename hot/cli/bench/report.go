package hot_cli_bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a bench run, as written to JSON.
type Report struct {
	// GoVersion, GOOS, GOARCH and CPUs describe the machine.
	GoVersion string `json:"goVersion"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	CPUs      int    `json:"cpus"`
	// Runs, Reloads and ColdRuns are the options the bench ran with.
	Runs     int `json:"runs"`
	Reloads  int `json:"reloads"`
	ColdRuns int `json:"coldRuns"`
	// Started is when the bench started; Duration how long it ran.
	Started  time.Time `json:"started"`
	Duration string    `json:"duration"`
	// Scenarios are the scenarios' results, in the order they ran.
	Scenarios []*ScenarioReport `json:"scenarios"`
}

// Stats summarizes timed samples, in milliseconds.
type Stats struct {
	// N is the number of samples.
	N int `json:"n"`
	// Median, Min and Max are in milliseconds.
	Median float64 `json:"medianMs"`
	Min    float64 `json:"minMs"`
	Max    float64 `json:"maxMs"`
}

// MemPoint is the host's RSS and goroutine count after some reloads.
type MemPoint struct {
	// Reloads is how many reloads had run.
	Reloads int `json:"reloads"`
	// RSS is VmRSS in bytes, after debug.FreeOSMemory.
	RSS int64 `json:"rssBytes"`
	// Goroutines is runtime.NumGoroutine once settled.
	Goroutines int `json:"goroutines"`
}

// Memory is (e): what reloads cost the host.
type Memory struct {
	// RSSBase and GoroutinesBase are measured after the first load.
	RSSBase        int64 `json:"rssBaseBytes"`
	GoroutinesBase int   `json:"goroutinesBase"`
	// Points are the measurements after 1, 10, 50 and the last reload.
	Points []MemPoint `json:"points"`
	// PluginSize is the size of the last plugin file.
	PluginSize int64 `json:"pluginSizeBytes"`
	// RSSGrowthPerReload is the RSS growth per reload between the first
	// and the last point.
	RSSGrowthPerReload int64 `json:"rssGrowthPerReloadBytes"`
	// GrowthOverSize is RSSGrowthPerReload / PluginSize.
	GrowthOverSize float64 `json:"growthOverPluginSize"`
	// GoroutinesMaxOver is the largest goroutine count above the baseline
	// seen after any reload (0: always back to the baseline).
	GoroutinesMaxOver int `json:"goroutinesMaxOverBase"`
}

// ScenarioReport is one scenario's results.
type ScenarioReport struct {
	// Name and What name and describe the scenario.
	Name string `json:"name"`
	What string `json:"what"`
	// Packages is the number of controller packages.
	Packages int `json:"packages"`
	// Floor is (a), Reload (b), Restart (c).
	Floor   Stats `json:"floor"`
	Reload  Stats `json:"reload"`
	Restart Stats `json:"restart"`
	// ReloadOverFloor and ReloadOverRestart are the ratios of medians.
	ReloadOverFloor   float64 `json:"reloadOverFloor"`
	ReloadOverRestart float64 `json:"reloadOverRestart"`
	// NoOp is the same content saved again, until the compiler's no-op.
	NoOp Stats `json:"noop"`
	// ColdHotbus and ColdPlain are (d).
	ColdHotbus Stats `json:"coldHotbus"`
	ColdPlain  Stats `json:"coldPlain"`
	// FirstLoad is the live host's first build and load (warm cache).
	FirstLoad string `json:"firstLoad"`
	// FloorPluginSize is the size of the plain plugin of (a).
	FloorPluginSize int64 `json:"floorPluginSizeBytes"`
	// HostSize is the size of the static host of (c).
	HostSize int64 `json:"hostSizeBytes"`
	// Memory is (e).
	Memory Memory `json:"memory"`
	// Steps are the loader's per-reload step times over the reloads of (b).
	Steps map[string]Stats `json:"steps"`
	// Process is process mode's figures (process.go).
	Process *ProcessMode `json:"process,omitempty"`
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench report: %w", err)
	}
	return nil
}

// WriteTable writes the report as a table with one column per scenario.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s %s/%s, %d CPUs; runs %d, reloads %d, cold runs %d; took %s\n\n",
		r.GoVersion, r.GOOS, r.GOARCH, r.CPUs, r.Runs, r.Reloads, r.ColdRuns, r.Duration)
	row := func(label string, cell func(s *ScenarioReport) string) {
		cells := []string{label}
		for _, s := range r.Scenarios {
			cells = append(cells, cell(s))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	row("figure (median [min–max] n)", func(s *ScenarioReport) string { return fmt.Sprintf("%s (%d pkg)", s.Name, s.Packages) })
	row("(a) floor: go build -buildmode=plugin", func(s *ScenarioReport) string { return s.Floor.String() })
	row("(b) hotbus: write → new Execute", func(s *ScenarioReport) string { return s.Reload.String() })
	row("(c) restart: go build + start + run", func(s *ScenarioReport) string { return s.Restart.String() })
	row("(b)/(a)  target ≤ 1.25", func(s *ScenarioReport) string { return fmt.Sprintf("%.2f", s.ReloadOverFloor) })
	row("(b)/(c)", func(s *ScenarioReport) string { return fmt.Sprintf("%.2f", s.ReloadOverRestart) })
	row("no-op save → unchanged  target < 100ms", func(s *ScenarioReport) string { return s.NoOp.String() })
	row("(d) cold hotbus first build", func(s *ScenarioReport) string { return s.ColdHotbus.String() })
	row("(d) cold plain plugin build", func(s *ScenarioReport) string { return s.ColdPlain.String() })
	row("(e) plugin size (hotbus / plain)", func(s *ScenarioReport) string {
		return fmt.Sprintf("%s / %s", mib(s.Memory.PluginSize), mib(s.FloorPluginSize))
	})
	row("(c) static host size", func(s *ScenarioReport) string { return mib(s.HostSize) })
	row("(e) RSS after first load", func(s *ScenarioReport) string { return mib(s.Memory.RSSBase) })
	pointRow := func(i int) {
		row(fmt.Sprintf("(e) RSS, goroutines after reload #%d", i), func(s *ScenarioReport) string {
			for _, p := range s.Memory.Points {
				if p.Reloads == i {
					return fmt.Sprintf("%s, %d", mib(p.RSS), p.Goroutines)
				}
			}
			return "-"
		})
	}
	for _, i := range []int{1, 10, 50} {
		pointRow(i)
	}
	row("(e) RSS growth/reload (÷ plugin size)  target ≤ 1.2", func(s *ScenarioReport) string {
		return fmt.Sprintf("%s (%.2f)", mib(s.Memory.RSSGrowthPerReload), s.Memory.GrowthOverSize)
	})
	row("(e) goroutines: base, max over base", func(s *ScenarioReport) string {
		return fmt.Sprintf("%d, +%d", s.Memory.GoroutinesBase, s.Memory.GoroutinesMaxOver)
	})
	for _, k := range stepKeys {
		row("    reload step: "+k, func(s *ScenarioReport) string {
			st, ok := s.Steps[k]
			if !ok {
				return "-"
			}
			return st.String()
		})
	}
	processRows(row)
	return tw.Flush()
}

// String formats the stats as "median [min–max] n".
func (s Stats) String() string {
	if s.N == 0 {
		return "-"
	}
	if s.N == 1 {
		return fmtMs(s.Median) + " n=1"
	}
	return fmt.Sprintf("%s [%s–%s] n=%d", fmtMs(s.Median), fmtMs(s.Min), fmtMs(s.Max), s.N)
}

// fmtMs formats milliseconds.
func fmtMs(v float64) string {
	if v >= 10000 {
		return fmt.Sprintf("%.1fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}

// mib formats bytes in MiB.
func mib(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
