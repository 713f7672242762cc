// Package data embeds incidentmap's reference layers and seed incidents, so the
// binary needs no files beside it. Their sources and licences are in README.md
// in this directory; cmd/datagen regenerates the reference layers.
package data

import _ "embed"

// World is the world's geography in the compact form geo.DecodeAtlas reads:
// Natural Earth 1:10m admin-1 units of every country (admin-2 where Natural
// Earth's units are a country's second level), every international land
// border and tripoint derived from them.
//
//go:embed world.bin
var World []byte

// Zones defines the named zones (JSON): the border zone width and the areas
// around tripoints.
//
//go:embed zones.json
var Zones []byte

// PlacesOSM is the gazetteer in the compact form geo.DecodePlaces reads:
// the cities, towns, villages and hamlets of Africa from OpenStreetMap and
// the world's cities from GeoNames, merged. It is a database derived from
// OpenStreetMap, under the Open Database License: see
// places-osm.NOTICE.
//
//go:embed places-osm.bin
var PlacesOSM []byte

// Incidents is the seed: the events of the report incidentmap grew from
// (about 3 October 2023), loaded into an empty database on first start.
//
//go:embed incidents.geojson
var Incidents []byte
