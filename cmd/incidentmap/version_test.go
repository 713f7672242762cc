package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestHelpListsCommandsAndVersionSaysTheBuild(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		out, _, err := runCLI(t, "", arg)
		if err != nil {
			t.Errorf("%s: %v", arg, err)
		}
		for _, cmd := range []string{"[serve]", "import", "export", "token create", "reverse", "geocode", "gen", "backup", "restore", "healthcheck", "version"} {
			if !strings.Contains(out, "incidentmap "+cmd) {
				t.Errorf("%s does not list %q:\n%s", arg, cmd, out)
			}
		}
	}
	if _, stderr, err := runCLI(t, "", "help", "export"); err != nil || !strings.Contains(stderr, "Usage: incidentmap export") {
		t.Errorf("help export: %v %q", err, stderr)
	}
	for _, arg := range []string{"--version", "version"} {
		out, _, err := runCLI(t, "", arg)
		if err != nil || !strings.HasPrefix(out, "incidentmap ") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("%s: %v %q", arg, err, out)
		}
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "8bc5a3d0f1"}, {Key: "vcs.time", Value: "2026-11-24T15:30:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	arch := runtime.GOOS + "/" + runtime.GOARCH
	for _, c := range []struct {
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{bi, true, "incidentmap v1.2.0 (revision 8bc5a3d0f1, 2026-11-24T15:30:00Z, modified) go1.26.8 " + arch},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "incidentmap devel go1.26.8 " + arch},
		{nil, false, "incidentmap devel " + runtime.Version() + " " + arch},
	} {
		if got := version(c.bi, c.ok); got != c.want {
			t.Errorf("version: %q, want %q", got, c.want)
		}
	}
}
