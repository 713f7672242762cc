// Package web holds the Leaflet map, embedded in the binary so it works with
// no network: the app in static/, and Leaflet and its plugins vendored from
// npm at pinned versions in static/vendor (see vendor.json and
// cmd/vendorweb).
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// Files is the map's file tree, index.html at its root.
func Files() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embed directive guarantees static/ exists
	}
	return sub
}
