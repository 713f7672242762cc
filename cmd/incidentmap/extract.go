package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/extract"
	"github.com/incidentmap/incidentmap/handlers"
	"github.com/incidentmap/incidentmap/incident"
)

func cmdExtract(ctx context.Context, args []string, e env) error {
	fs := newFlags("extract", "FILE --published YYYY-MM-DD", "Prints, as JSON, the draft incidents a news report (English or French plain text; - for stdin)\ntells of, each with the words every field came from, and the sentences read as background.\nWith --store, the drafts are stored for review in the database (GET /api/v1/drafts).", e)
	published := fs.String("published", "", "the date the report was published (required): weekdays and \"last month\" are read from it")
	lang := fs.String("lang", "", "en or fr (default: told from the text)")
	source := fs.String("source", "", "the report's source, for the drafts' source")
	sourceURL := fs.String("source-url", "", "the report's URL")
	store := fs.Bool("store", false, "store the drafts for review in --db")
	dbPath := fs.String("db", defaultDB, dbUsage+" (with --store)")
	var g geoFlags
	g.register(fs)
	// The file may come first ("extract report.txt --published ..."), and
	// flags stop at the first argument that is not one.
	if len(args) > 1 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		args = append(args[1:], args[0])
	}
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"extract takes one report file (or - for stdin): incidentmap extract report.txt --published 2023-10-03"}
	}
	var text []byte
	var err error
	if fs.Arg(0) == "-" {
		text, err = io.ReadAll(io.LimitReader(e.stdin, extract.MaxText+1))
	} else {
		var f *os.File
		if f, err = os.Open(fs.Arg(0)); err == nil {
			text, err = io.ReadAll(io.LimitReader(f, extract.MaxText+1))
			f.Close()
		}
	}
	if err != nil {
		return err
	}
	o, err := handlers.ReadExtractRequest(handlers.ExtractRequest{Text: string(text), Published: *published, Lang: *lang, Source: *source, SourceURL: *sourceURL}, time.Now())
	if err != nil {
		return usageError{incident.ErrorMessage(err)}
	}
	gg, err := g.load()
	if err != nil {
		return err
	}
	o.Geocoder = gg
	res := extract.Extract(string(text), o)
	drafts := res.Drafts
	if drafts == nil {
		drafts = []*incident.Draft{}
	}
	out := map[string]any{"lang": res.Lang, "drafts": drafts, "context": res.Context}
	if *store && len(drafts) > 0 {
		db, err := openDB(ctx, *dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		ds, ok := db.(incident.DraftStore)
		if !ok {
			return fmt.Errorf("drafts and reports are not yet available on %s", storeName(*dbPath))
		}
		review := &incident.Review{Service: &incident.Service{Store: db, Locator: gg, Geocoder: gg}, Drafts: ds}
		rep := &incident.Report{Text: string(text), Lang: res.Lang, Published: *published, Source: *source, SourceURL: *sourceURL, Context: res.Context}
		if err := review.Submit(incident.WithActor(ctx, "cli"), rep, drafts); err != nil {
			return err
		}
		out["report_id"] = rep.ID
	}
	return printJSON(e, out)
}

// cmdDedup prints the pairs of stored incidents that may be one event told
// twice, best first per incident. Each incident's candidates come from one
// store query (its date window and search radius), so a million incidents
// take a million indexed queries, not a trillion comparisons.
func cmdDedup(ctx context.Context, args []string, e env) error {
	fs := newFlags("dedup", "[flags]", "Prints the stored incidents that may be the same event reported twice: score, the two ids\nand the reasons (dates within a window widened by time precision, within the larger\nuncertainty radius of at least 25 km, compatible types, fatalities). Merge one into the\nother with POST /api/v1/incidents/{id}/merge.", e)
	dbPath := fs.String("db", defaultDB, dbUsage)
	start := fs.String("start", "", "only incidents on or after this date (YYYY-MM-DD)")
	end := fs.String("end", "", "only incidents on or before this date (YYYY-MM-DD)")
	var g geoFlags
	g.register(fs)
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if err := requireDB(*dbPath); err != nil {
		return err
	}
	a, err := openApp(ctx, *dbPath, g, e.stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	var ins []*incident.Incident
	if err := a.db.Each(ctx, incident.Filter{Start: *start, End: *end}, func(in *incident.Incident) error {
		ins = append(ins, in)
		return nil
	}); err != nil {
		return err
	}
	pairs := 0
	for _, in := range ins {
		dups, err := a.svc.Duplicates(ctx, in)
		if err != nil {
			return err
		}
		for _, d := range dups {
			if d.ID < in.ID { // each pair once
				continue
			}
			pairs++
			fmt.Fprintf(e.stdout, "%.2f\t%s\t%s\t%v\n", d.Score, in.ID, d.ID, d.Reasons)
		}
	}
	fmt.Fprintf(e.stderr, "%d incidents, %d possible duplicate pairs\n", len(ins), pairs)
	return nil
}
