package tools

import (
	"context"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
)

// goDefinitions lists the functions, methods and types of a Go file with
// go/parser. A file with syntax errors still gives what could be parsed.
func goDefinitions(_ context.Context, src []byte) ([]definition, string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
	note := ""
	if err != nil {
		if el, ok := err.(scanner.ErrorList); ok && len(el) > 0 {
			note = "syntax error: " + el[0].Error() + "; the list may be incomplete"
		} else {
			note = "syntax error: " + err.Error()
		}
	}
	if f == nil {
		return nil, note, nil
	}
	var defs []definition
	line := func(p token.Pos) int { return fset.Position(p).Line }
	add := func(from, to token.Pos) {
		d := definition{line(from), line(to)}
		d.end = max(d.end, d.start) // a node cut short by a syntax error may have no end
		defs = append(defs, d)
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			add(d.Pos(), d.End())
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				continue
			}
			for _, s := range d.Specs {
				add(s.Pos(), s.End())
			}
		}
	}
	return defs, note, nil
}
