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
		var list scanner.ErrorList
		if el, ok := err.(scanner.ErrorList); ok && len(el) > 0 {
			list = el
			note = "syntax error: " + list[0].Error() + "; the list may be incomplete"
		} else {
			note = "syntax error: " + err.Error()
		}
	}
	if f == nil {
		return nil, note, nil
	}
	line := func(p token.Pos) int { return fset.Position(p).Line }
	var defs []definition
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			defs = append(defs, definition{line(d.Pos()), line(d.End())})
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				continue
			}
			for _, s := range d.Specs {
				defs = append(defs, definition{line(s.Pos()), line(s.End())})
			}
		}
	}
	return defs, note, nil
}
