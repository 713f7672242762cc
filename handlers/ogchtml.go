package handlers

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="/ogc.css"></head>
<body><header><a href="/ogc?f=html">incidentmap OGC API</a> · <a href="/">map</a></header>
<main><h1>{{.Title}}</h1>
{{if .Summary}}<p>{{.Summary}}</p>{{end}}
{{if .Rows}}<table><thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>{{end}}
</tbody></table>{{end}}
{{if .JSON}}<pre>{{.JSON}}</pre>{{end}}
<h2>Links</h2><ul>{{range .Links}}<li><a href="{{.Href}}">{{if .Title}}{{.Title}}{{else}}{{.Rel}}{{end}}</a> <small>({{.Rel}}{{if .Type}}, {{.Type}}{{end}})</small></li>{{end}}</ul>
</main></body></html>`))

type cell struct{ Text, Href string }

type page struct {
	Title, Summary, JSON string
	Columns              []string
	Rows                 [][]cell
	Links                []link
}

func renderHTML(c echo.Context, title string, v any, links []link) error {
	j, _ := json.MarshalIndent(v, "", "  ")
	return writePage(c, page{Title: title, JSON: string(j), Links: links})
}

func renderFeaturesHTML(c echo.Context, col collection, fc *geojson.FeatureCollection, matched int, links []link) error {
	keys := map[string]bool{}
	for _, f := range fc.Features {
		for k := range f.Properties {
			keys[k] = true
		}
	}
	cols := make([]string, 0, len(keys))
	for k := range keys {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	p := page{Title: col.Title, Summary: strconv.Itoa(len(fc.Features)) + " of " + strconv.Itoa(matched) + " features.", Columns: append([]string{"id"}, cols...), Links: links}
	for _, f := range fc.Features {
		id := ""
		switch v := f.ID.(type) {
		case string:
			id = v
		case nil:
		default:
			id = strings.Trim(string(mustJSON(v)), `"`)
		}
		row := []cell{{Text: id, Href: ogcBase(c) + "/collections/" + col.ID + "/items/" + url.PathEscape(id) + "?f=html"}}
		for _, k := range cols {
			v := f.Properties[k]
			t := ""
			switch x := v.(type) {
			case nil:
			case string:
				t = x
			default:
				t = string(mustJSON(x))
			}
			row = append(row, cell{Text: t})
		}
		p.Rows = append(p.Rows, row)
	}
	return writePage(c, p)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func writePage(c echo.Context, p page) error {
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, p); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}
