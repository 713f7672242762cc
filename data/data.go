// Package data embeds incidentmap's reference layers and seed incidents, so the
// binary needs no files beside it. Their sources and licences are in README.md
// in this directory; cmd/datagen regenerates the reference layers.
package data

import _ "embed"

// Regions is the Natural Earth 1:10m admin-1 layer for Niger and its seven
// neighbours (GeoJSON FeatureCollection; properties code, name, name_fr,
// country, label).
//
//go:embed regions.geojson
var Regions []byte

// Borders is Niger's seven international borders as LineStrings derived from
// Regions (properties country, countries, name, neighbour, length_km).
//
//go:embed borders.geojson
var Borders []byte

// Places is the gazetteer of Niger's towns from GeoNames (properties name,
// ascii_name, variants, region, country, source).
//
//go:embed places.geojson
var Places []byte

// Incidents is the seed: the events of the report incidentmap grew from
// (about 3 October 2023), loaded into an empty database on first start.
//
//go:embed incidents.geojson
var Incidents []byte
