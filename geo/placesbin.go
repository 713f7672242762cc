package geo

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// PlaceRecord is one place of the embedded gazetteer as cmd/datagen writes
// it and data/places-osm.bin stores it.
type PlaceRecord struct {
	Name       string
	Variants   []string
	Kind       string // city, town, village, hamlet, suburb, locality, isolated_dwelling
	Country    string // ISO3
	Admin1     string // ISO 3166-2 code of the admin-1 unit, from Reverse
	Point      orb.Point
	Population int
	Sources    uint8 // SourceOSM | SourceGeoNames
}

// Sources of embedded places, as bits of PlaceRecord.Sources.
const (
	SourceOSM      = 1
	SourceGeoNames = 2
)

// Kinds of places, most important first: the order ranks namesakes.
var placeKinds = []string{"city", "town", "village", "suburb", "hamlet", "locality", "isolated_dwelling"}

func kindIndex(k string) uint8 {
	for i, s := range placeKinds {
		if s == k {
			return uint8(i)
		}
	}
	return uint8(len(placeKinds) - 1)
}

// The file is "IMPLACE1" then a DEFLATE stream of varints, column by
// column (all names, then all kinds, ...), which compresses best: a string
// table (every distinct name, variant, country and admin-1 code once),
// then per place its name's index, kind, admin-1 and country indexes,
// variants, population, sources and its point in 1e-5° (about 1 m) as the
// zigzag difference from the previous place's. Places are sorted by
// country, admin-1 and latitude, so the differences are small.
const placesMagic = "IMPLACE1"

const placesScale = 1e5

// EncodePlaces writes places in the compact form DecodePlaces reads, in the
// order given.
func EncodePlaces(w io.Writer, places []PlaceRecord) error {
	if _, err := io.WriteString(w, placesMagic); err != nil {
		return err
	}
	fw, err := flate.NewWriter(w, flate.BestCompression)
	if err != nil {
		return err
	}
	e := &atlasWriter{w: bufio.NewWriter(fw)}
	index := map[string]uint64{}
	var table []string
	idx := func(s string) uint64 {
		i, ok := index[s]
		if !ok {
			i = uint64(len(table))
			index[s] = i
			table = append(table, s)
		}
		return i
	}
	for _, p := range places {
		idx(p.Country)
		idx(p.Admin1)
		idx(p.Name)
		for _, v := range p.Variants {
			idx(v)
		}
	}
	e.uint(uint64(len(table)))
	for _, s := range table {
		e.str(s)
	}
	e.uint(uint64(len(places)))
	for _, p := range places {
		e.uint(index[p.Name])
	}
	for _, p := range places {
		e.uint(uint64(kindIndex(p.Kind)))
	}
	for _, p := range places {
		e.uint(index[p.Country])
	}
	for _, p := range places {
		e.uint(index[p.Admin1])
	}
	for _, p := range places {
		e.uint(uint64(len(p.Variants)))
		for _, v := range p.Variants {
			e.uint(index[v])
		}
	}
	for _, p := range places {
		e.uint(uint64(p.Population))
	}
	for _, p := range places {
		e.uint(uint64(p.Sources))
	}
	var x, y int64
	for _, p := range places {
		px, py := int64(math.Round(p.Point[0]*placesScale)), int64(math.Round(p.Point[1]*placesScale))
		e.uint(zigzag(px - x))
		e.uint(zigzag(py - y))
		x, y = px, py
	}
	if e.err != nil {
		return e.err
	}
	if err := e.w.Flush(); err != nil {
		return err
	}
	return fw.Close()
}

// placeColumns is the decoded file: the string table as one string (every
// name is a substring of it, so 300,000 names are one allocation) and one
// slice per column.
type placeColumns struct {
	strs    []string
	name    []uint32
	kind    []uint8
	country []uint32
	admin1  []uint32
	varFrom []uint32 // place i's variants are vars[varFrom[i]:varFrom[i+1]]
	vars    []uint32
	pop     []uint32
	sources []uint8
	lon     []int32
	lat     []int32
}

// DecodePlaces reads what EncodePlaces wrote.
func DecodePlaces(b []byte) ([]PlaceRecord, error) {
	c, err := decodePlaceColumns(b)
	if err != nil {
		return nil, err
	}
	out := make([]PlaceRecord, len(c.name))
	for i := range out {
		p := &out[i]
		p.Name, p.Kind, p.Country, p.Admin1 = c.strs[c.name[i]], placeKinds[c.kind[i]], c.strs[c.country[i]], c.strs[c.admin1[i]]
		for _, v := range c.vars[c.varFrom[i]:c.varFrom[i+1]] {
			p.Variants = append(p.Variants, c.strs[v])
		}
		p.Population, p.Sources = int(c.pop[i]), c.sources[i]
		p.Point = orb.Point{float64(c.lon[i]) / placesScale, float64(c.lat[i]) / placesScale}
	}
	return out, nil
}

func decodePlaceColumns(b []byte) (*placeColumns, error) {
	if !bytes.HasPrefix(b, []byte(placesMagic)) {
		return nil, errors.New("geo: places: not an incidentmap gazetteer (bad magic)")
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(b[len(placesMagic):])))
	if err != nil {
		return nil, fmt.Errorf("geo: places: %w", err)
	}
	d := &atlasReader{b: raw}
	c := &placeColumns{}
	ns := d.count()
	offs := make([]int, ns+1)
	var all strings.Builder
	for i := range ns {
		n := d.count()
		if d.err != nil {
			break
		}
		all.Write(d.b[d.off : d.off+n])
		d.off += n
		offs[i+1] = all.Len()
	}
	blob := all.String()
	c.strs = make([]string, ns)
	for i := range c.strs {
		c.strs[i] = blob[offs[i]:offs[i+1]]
	}
	n := d.count()
	ref := func() uint32 {
		v := d.uint()
		if v >= uint64(ns) {
			d.err = fmt.Errorf("string %d of %d", v, ns)
			return 0
		}
		return uint32(v)
	}
	c.name, c.country, c.admin1 = make([]uint32, n), make([]uint32, n), make([]uint32, n)
	c.kind, c.sources = make([]uint8, n), make([]uint8, n)
	c.varFrom, c.pop = make([]uint32, n+1), make([]uint32, n)
	c.lon, c.lat = make([]int32, n), make([]int32, n)
	for i := range n {
		c.name[i] = ref()
	}
	for i := range n {
		k := d.uint()
		if k >= uint64(len(placeKinds)) {
			d.err = fmt.Errorf("kind %d", k)
		}
		c.kind[i] = uint8(k)
	}
	for i := range n {
		c.country[i] = ref()
	}
	for i := range n {
		c.admin1[i] = ref()
	}
	for i := range n {
		for range d.count() {
			c.vars = append(c.vars, ref())
		}
		c.varFrom[i+1] = uint32(len(c.vars))
	}
	for i := range n {
		c.pop[i] = uint32(d.uint())
	}
	for i := range n {
		c.sources[i] = uint8(d.uint())
	}
	var x, y int64
	for i := range n {
		x += unzigzag(d.uint())
		y += unzigzag(d.uint())
		c.lon[i], c.lat[i] = int32(x), int32(y)
	}
	if d.err != nil {
		return nil, fmt.Errorf("geo: places: %w", d.err)
	}
	if d.off != len(d.b) {
		return nil, fmt.Errorf("geo: places: %d bytes left over", len(d.b)-d.off)
	}
	return c, nil
}
