package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version says which build this is, from what the Go toolchain stamps into
// every binary: the module version (a tag, or a pseudo-version from the
// commit), the commit, its time and whether the tree had uncommitted
// changes, and the Go version. A build without that information (go run,
// go test, a tree without .git) is "devel".
func version(bi *debug.BuildInfo, ok bool) string {
	v := "devel"
	var b strings.Builder
	goVersion := runtime.Version()
	if ok && bi != nil {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		var vcs []string
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if r := settings["vcs.revision"]; r != "" {
			vcs = append(vcs, "revision "+r)
		}
		if t := settings["vcs.time"]; t != "" {
			vcs = append(vcs, t)
		}
		if settings["vcs.modified"] == "true" {
			vcs = append(vcs, "modified")
		}
		if len(vcs) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(vcs, ", "))
		}
	}
	return fmt.Sprintf("incidentmap %s%s %s %s/%s", v, b.String(), goVersion, runtime.GOOS, runtime.GOARCH)
}
