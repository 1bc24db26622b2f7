package models

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportDirection: models is the domain and its storage. It imports no file format, no
// template, no web framework and none of himoya's packages (its children models/stats and
// models/demo import it, not the other way); the children import nothing above them
// (views, handlers, app). Dependencies point one way: app -> handlers -> views ->
// models/stats -> models.
func TestImportDirection(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		banned []string
	}{
		{".", []string{"himoya/", "encoding/csv", "html/template", "text/template", "github.com/xuri/excelize",
			"github.com/go-pdf/fpdf", "golang.org/x/image", "github.com/gofiber/", "image/", "github.com/boombuler/barcode",
			"net/http"}},
		{"stats", []string{"himoya/views", "himoya/handlers", "himoya/app", "himoya/models/demo", "github.com/gofiber/", "encoding/csv", "github.com/xuri/excelize", "github.com/go-pdf/fpdf"}},
		{"demo", []string{"himoya/views", "himoya/handlers", "himoya/app", "github.com/gofiber/"}},
		{"../views", []string{"himoya/handlers", "himoya/app", "github.com/gofiber/fiber"}},
		{"../handlers", []string{"himoya/app"}},
	} {
		files, err := filepath.Glob(filepath.Join(tc.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", tc.dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, b := range tc.banned {
					if path == strings.TrimSuffix(b, "/") || strings.HasPrefix(path, b) {
						t.Errorf("%s imports %s", f, path)
					}
				}
			}
		}
	}
}
