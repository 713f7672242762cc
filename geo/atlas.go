package geo

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"
)

// An Atlas is the world's reference geography as cmd/datagen derives it and
// data/world.bin stores it: countries, admin-1 units (and admin-2 where a
// country's Natural Earth units are really the second level), international
// land borders and tripoints. All coordinates are WGS84 lon/lat rounded to
// 1e-6°.
type Atlas struct {
	Countries []AtlasCountry
	Units     []AtlasUnit
	Borders   []AtlasBorder
	Tripoints []AtlasTripoint

	// pts holds every unit vertex, in order, when the atlas was decoded:
	// unit rings are slices of it, and the containment index names an edge
	// by the index of its first vertex here.
	pts []orb.Point
}

// AtlasCountry is a country by ISO 3166-1 alpha-3 code.
type AtlasCountry struct{ ISO3, Name string }

// AtlasUnit is an administrative unit with its polygons.
type AtlasUnit struct {
	Level   int    // 1 or 2
	Country string // ISO3
	Code    string // ISO 3166-2 where known
	Name    string
	NameFR  string
	// Alt are other names the unit goes by in exports (Natural Earth's
	// local name and name_alt: "Timbuktu" for Tombouctou, "Biltine" for
	// Wadi Fira), for matching a reported admin1.
	Alt    []string
	Parent string // the admin-1 code of an admin-2 unit
	Label  orb.Point
	Polys  orb.MultiPolygon

	ringStart []int32 // per ring (polygon by polygon), its first vertex in Atlas.pts
}

// AtlasBorder is an international land border keyed "AAA-BBB" (sorted).
type AtlasBorder struct {
	Key      string
	Lines    orb.MultiLineString
	LengthKM float64
}

// AtlasTripoint is where three (rarely more) countries meet, keyed by their
// sorted codes ("BFA-MLI-NER").
type AtlasTripoint struct {
	Key   string
	Point orb.Point
}

// The file is "IMATLAS2" (2: units carry their other names) then a DEFLATE
// stream of varints: every coordinate is an integer of 1e-6° written as the
// zigzag varint of its difference from the previous one, so the ~1.3
// million vertices of Natural Earth 1:10m take about 2 bytes per coordinate
// before compression.
const atlasMagic = "IMATLAS2"

const atlasScale = 1e6

// EncodeAtlas writes a in the compact form DecodeAtlas reads.
func EncodeAtlas(w io.Writer, a *Atlas) error {
	if _, err := io.WriteString(w, atlasMagic); err != nil {
		return err
	}
	fw, err := flate.NewWriter(w, flate.BestCompression)
	if err != nil {
		return err
	}
	e := &atlasWriter{w: bufio.NewWriter(fw)}
	e.uint(uint64(len(a.Countries)))
	for _, c := range a.Countries {
		e.str(c.ISO3)
		e.str(c.Name)
	}
	e.uint(uint64(len(a.Units)))
	var nv int
	for _, u := range a.Units {
		for _, poly := range u.Polys {
			for _, ring := range poly {
				nv += len(ring)
			}
		}
	}
	e.uint(uint64(nv))
	for _, u := range a.Units {
		e.uint(uint64(u.Level))
		e.str(u.Country)
		e.str(u.Code)
		e.str(u.Name)
		e.str(u.NameFR)
		e.uint(uint64(len(u.Alt)))
		for _, s := range u.Alt {
			e.str(s)
		}
		e.str(u.Parent)
		e.point(u.Label)
		e.uint(uint64(len(u.Polys)))
		for _, poly := range u.Polys {
			e.uint(uint64(len(poly)))
			for _, ring := range poly {
				e.line(orb.LineString(ring))
			}
		}
	}
	e.uint(uint64(len(a.Borders)))
	for _, b := range a.Borders {
		e.str(b.Key)
		e.uint(uint64(math.Round(b.LengthKM * 1000)))
		e.uint(uint64(len(b.Lines)))
		for _, l := range b.Lines {
			e.line(l)
		}
	}
	e.uint(uint64(len(a.Tripoints)))
	for _, t := range a.Tripoints {
		e.str(t.Key)
		e.point(t.Point)
	}
	if e.err != nil {
		return e.err
	}
	if err := e.w.Flush(); err != nil {
		return err
	}
	return fw.Close()
}

type atlasWriter struct {
	w    *bufio.Writer
	buf  [binary.MaxVarintLen64]byte
	x, y int64
	err  error
}

func (e *atlasWriter) uint(v uint64) {
	if e.err == nil {
		_, e.err = e.w.Write(binary.AppendUvarint(e.buf[:0], v))
	}
}

func (e *atlasWriter) str(s string) {
	e.uint(uint64(len(s)))
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *atlasWriter) point(p orb.Point) {
	x, y := int64(math.Round(p[0]*atlasScale)), int64(math.Round(p[1]*atlasScale))
	e.uint(zigzag(x - e.x))
	e.uint(zigzag(y - e.y))
	e.x, e.y = x, y
}

func (e *atlasWriter) line(l orb.LineString) {
	e.uint(uint64(len(l)))
	for _, p := range l {
		e.point(p)
	}
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// DecodeAtlas reads what EncodeAtlas wrote. The vertices of all units share
// one backing array (rings are slices of it), which is what the containment
// index addresses edges by.
func DecodeAtlas(b []byte) (*Atlas, error) {
	if !bytes.HasPrefix(b, []byte(atlasMagic)) {
		return nil, errors.New("geo: atlas: not an incidentmap atlas (bad magic)")
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(b[len(atlasMagic):])))
	if err != nil {
		return nil, fmt.Errorf("geo: atlas: %w", err)
	}
	d := &atlasReader{b: raw}
	a := &Atlas{}
	a.Countries = make([]AtlasCountry, d.count())
	for i := range a.Countries {
		a.Countries[i] = AtlasCountry{ISO3: d.str(), Name: d.str()}
	}
	a.Units = make([]AtlasUnit, d.count())
	nv := d.uint()
	if nv > uint64(len(d.b)) {
		return nil, fmt.Errorf("geo: atlas: %w", errTruncated)
	}
	d.pts = make([]orb.Point, 0, nv)
	for i := range a.Units {
		u := &a.Units[i]
		u.Level = int(d.uint())
		u.Country, u.Code, u.Name, u.NameFR = d.str(), d.str(), d.str(), d.str()
		if n := d.count(); n > 0 {
			u.Alt = make([]string, n)
			for j := range u.Alt {
				u.Alt[j] = d.str()
			}
		}
		u.Parent = d.str()
		u.Label = d.point()
		u.Polys = make(orb.MultiPolygon, d.count())
		for j := range u.Polys {
			u.Polys[j] = make(orb.Polygon, d.count())
			for k := range u.Polys[j] {
				u.ringStart = append(u.ringStart, int32(len(d.pts)))
				u.Polys[j][k] = orb.Ring(d.line())
			}
		}
	}
	if len(d.pts) != cap(d.pts) {
		return nil, fmt.Errorf("geo: atlas: %d unit vertices, header says %d", len(d.pts), cap(d.pts))
	}
	a.pts = d.pts
	d.pts = nil
	a.Borders = make([]AtlasBorder, d.count())
	for i := range a.Borders {
		bd := &a.Borders[i]
		bd.Key = d.str()
		bd.LengthKM = float64(d.uint()) / 1000
		bd.Lines = make(orb.MultiLineString, d.count())
		for j := range bd.Lines {
			bd.Lines[j] = d.line()
		}
	}
	a.Tripoints = make([]AtlasTripoint, d.count())
	for i := range a.Tripoints {
		a.Tripoints[i] = AtlasTripoint{Key: d.str(), Point: d.point()}
	}
	if d.err != nil {
		return nil, fmt.Errorf("geo: atlas: %w", d.err)
	}
	if d.off != len(d.b) {
		return nil, fmt.Errorf("geo: atlas: %d bytes left over", len(d.b)-d.off)
	}
	return a, nil
}

type atlasReader struct {
	b    []byte
	off  int
	x, y int64
	err  error
	// pts is the backing array lines are cut from: sized from the header
	// for unit rings (one allocation for the ~1.3 million vertices), then
	// refilled in large chunks for borders.
	pts []orb.Point
}

var errTruncated = errors.New("truncated")

func (d *atlasReader) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.off += n
	return v
}

// count reads a length and bounds it by the bytes left, so a corrupt file
// cannot ask for a huge allocation.
func (d *atlasReader) count() int {
	n := d.uint()
	if n > uint64(len(d.b)-d.off) {
		d.err = errTruncated
		return 0
	}
	return int(n)
}

func (d *atlasReader) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.b[d.off : d.off+n])
	d.off += n
	return s
}

func (d *atlasReader) point() orb.Point {
	d.x += unzigzag(d.uint())
	d.y += unzigzag(d.uint())
	return orb.Point{float64(d.x) / atlasScale, float64(d.y) / atlasScale}
}

func (d *atlasReader) line() orb.LineString {
	n := d.count()
	if d.err != nil {
		return nil
	}
	if len(d.pts)+n > cap(d.pts) {
		d.pts = make([]orb.Point, 0, max(n, 1<<16))
	}
	start := len(d.pts)
	for range n {
		d.pts = append(d.pts, d.point())
	}
	return orb.LineString(d.pts[start:len(d.pts):len(d.pts)])
}
