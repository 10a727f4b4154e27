//go:build cgo

package tools

import (
	"context"
	"errors"
	"unsafe"

	sitter "github.com/tree-sitter/go-tree-sitter"
	tsc "github.com/tree-sitter/tree-sitter-c/bindings/go"
	tscpp "github.com/tree-sitter/tree-sitter-cpp/bindings/go"
	tsjava "github.com/tree-sitter/tree-sitter-java/bindings/go"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tspython "github.com/tree-sitter/tree-sitter-python/bindings/go"
	tsrust "github.com/tree-sitter/tree-sitter-rust/bindings/go"
	tsts "github.com/tree-sitter/tree-sitter-typescript/bindings/go"
)

// langSpec says which syntax nodes of a tree-sitter grammar are
// definitions, which are looked into for more (the body of a class, an
// impl block, a namespace) and which are wrappers whose children stand at
// the wrapper's level (export, decorators, templates, #ifdef).
type langSpec struct {
	language func() unsafe.Pointer
	defs     map[string]bool
	// bodies maps a node kind to the field holding its members; "" means
	// the node's own children.
	bodies   map[string]string
	wrappers map[string]bool
	// accept, when set, decides for node kinds in defs that are only
	// sometimes definitions (a C declaration of a function, a JS variable
	// holding a function).
	accept func(n *sitter.Node) bool
}

var (
	pythonSpec = langSpec{
		language: tspython.Language,
		defs:     set("function_definition", "class_definition"),
		bodies:   map[string]string{"class_definition": "body"},
		wrappers: set("decorated_definition"),
	}
	jsSpec = langSpec{
		language: tsjs.Language,
		defs: set("function_declaration", "generator_function_declaration", "class_declaration",
			"method_definition", "lexical_declaration", "variable_declaration"),
		bodies:   map[string]string{"class_declaration": "body"},
		wrappers: set("export_statement"),
		accept:   jsAccept,
	}
	tsSpec = langSpec{
		language: tsts.LanguageTypescript,
		defs: set("function_declaration", "generator_function_declaration", "class_declaration",
			"abstract_class_declaration", "method_definition", "abstract_method_signature",
			"interface_declaration", "type_alias_declaration", "enum_declaration",
			"lexical_declaration", "variable_declaration", "function_signature", "internal_module", "module"),
		bodies: map[string]string{"class_declaration": "body", "abstract_class_declaration": "body",
			"internal_module": "body", "module": "body"},
		wrappers: set("export_statement", "ambient_declaration", "expression_statement"),
		accept:   jsAccept,
	}
	rustSpec = langSpec{
		language: tsrust.Language,
		defs: set("function_item", "function_signature_item", "struct_item", "enum_item", "union_item",
			"trait_item", "impl_item", "type_item", "mod_item", "macro_definition", "const_item", "static_item"),
		bodies: map[string]string{"trait_item": "body", "impl_item": "body", "mod_item": "body"},
	}
	javaSpec = langSpec{
		language: tsjava.Language,
		defs: set("class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
			"annotation_type_declaration", "method_declaration", "constructor_declaration"),
		bodies: map[string]string{"class_declaration": "body", "interface_declaration": "body",
			"enum_declaration": "body", "record_declaration": "body", "enum_body_declarations": ""},
		wrappers: set("enum_body_declarations"),
	}
	cSpec = langSpec{
		language: tsc.Language,
		defs: set("function_definition", "declaration", "type_definition", "struct_specifier",
			"union_specifier", "enum_specifier", "preproc_function_def"),
		wrappers: set("preproc_ifdef", "preproc_if", "preproc_else", "preproc_elif", "linkage_specification", "declaration_list"),
		accept:   cAccept,
	}
	cppSpec = langSpec{
		language: tscpp.Language,
		defs: set("function_definition", "declaration", "field_declaration", "type_definition", "alias_declaration",
			"struct_specifier", "union_specifier", "enum_specifier", "class_specifier", "namespace_definition",
			"concept_definition", "preproc_function_def"),
		bodies: map[string]string{"class_specifier": "body", "struct_specifier": "body", "namespace_definition": "body"},
		wrappers: set("preproc_ifdef", "preproc_if", "preproc_else", "preproc_elif", "linkage_specification",
			"declaration_list", "template_declaration", "access_specifier"),
		accept: cAccept,
	}
)

func set(kinds ...string) map[string]bool {
	m := make(map[string]bool, len(kinds))
	for _, k := range kinds {
		m[k] = true
	}
	return m
}

// treeSitterFinder returns the finder for a file extension, or nil.
func treeSitterFinder(ext string) definitionFinder {
	var spec *langSpec
	language := (func() unsafe.Pointer)(nil)
	switch ext {
	case ".py", ".pyi":
		spec = &pythonSpec
	case ".js", ".mjs", ".cjs", ".jsx":
		spec = &jsSpec
	case ".ts", ".mts", ".cts":
		spec = &tsSpec
	case ".tsx":
		spec, language = &tsSpec, tsts.LanguageTSX
	case ".rs":
		spec = &rustSpec
	case ".java":
		spec = &javaSpec
	case ".c":
		spec = &cSpec
	case ".h", ".hh", ".hpp", ".hxx", ".cc", ".cpp", ".cxx", ".c++", ".ipp":
		spec = &cppSpec
	default:
		return nil
	}
	if language == nil {
		language = spec.language
	}
	return func(ctx context.Context, src []byte) ([]definition, string, error) {
		return treeSitterDefinitions(ctx, src, spec, language)
	}
}

func treeSitterDefinitions(ctx context.Context, src []byte, spec *langSpec, language func() unsafe.Pointer) ([]definition, string, error) {
	p := sitter.NewParser()
	defer p.Close()
	if err := p.SetLanguage(sitter.NewLanguage(language())); err != nil {
		return nil, "", err
	}
	tree := p.ParseWithOptions(func(i int, _ sitter.Point) []byte {
		if i < len(src) {
			return src[i:]
		}
		return nil
	}, nil, &sitter.ParseOptions{ProgressCallback: func(sitter.ParseState) bool { return ctx.Err() != nil }})
	if tree == nil {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		return nil, "", errors.New("the file could not be parsed")
	}
	defer tree.Close()
	root := tree.RootNode()
	var defs []definition
	collectDefinitions(root, spec, 0, &defs)
	note := ""
	if root.HasError() {
		note = "the file has syntax errors; the list may be incomplete"
	}
	return defs, note, nil
}

// maxDefinitionDepth bounds how deep bodies are looked into (a class in a
// namespace in a namespace...), and with it the recursion.
const maxDefinitionDepth = 8

func collectDefinitions(n *sitter.Node, spec *langSpec, depth int, defs *[]definition) {
	if depth > maxDefinitionDepth || len(*defs) > defsMaxPerFile {
		return
	}
	for i := range n.NamedChildCount() {
		c := n.NamedChild(i)
		if c == nil {
			continue
		}
		kind := c.Kind()
		if spec.wrappers[kind] {
			collectDefinitions(c, spec, depth+1, defs)
			continue
		}
		if !spec.defs[kind] || spec.accept != nil && !spec.accept(c) {
			continue
		}
		*defs = append(*defs, definition{
			start: int(c.StartPosition().Row) + 1,
			end:   int(c.EndPosition().Row) + 1,
		})
		if field, ok := spec.bodies[kind]; ok {
			body := c
			if field != "" {
				body = c.ChildByFieldName(field)
			}
			if body != nil {
				collectDefinitions(body, spec, depth+1, defs)
			}
		}
	}
}

// jsAccept keeps a variable declaration only when it binds a function or
// a class (const f = () => {}), the common way to define one in JS/TS.
func jsAccept(n *sitter.Node) bool {
	switch n.Kind() {
	case "lexical_declaration", "variable_declaration":
		for i := range n.NamedChildCount() {
			d := n.NamedChild(i)
			if d == nil || d.Kind() != "variable_declarator" {
				continue
			}
			if v := d.ChildByFieldName("value"); v != nil {
				switch v.Kind() {
				case "arrow_function", "function_expression", "function", "class", "generator_function":
					return true
				}
			}
		}
		return false
	}
	return true
}

// cAccept keeps declarations of functions (prototypes in headers, methods
// declared in a class) and struct, union, enum and class types that have
// a body, leaving out plain variables and forward declarations.
func cAccept(n *sitter.Node) bool {
	switch n.Kind() {
	case "declaration", "field_declaration":
		return hasFunctionDeclarator(n.ChildByFieldName("declarator"))
	case "struct_specifier", "union_specifier", "enum_specifier", "class_specifier":
		return n.ChildByFieldName("body") != nil
	}
	return true
}

func hasFunctionDeclarator(d *sitter.Node) bool {
	for depth := 0; d != nil && depth < 8; depth++ {
		switch d.Kind() {
		case "function_declarator":
			return true
		case "pointer_declarator", "reference_declarator", "attributed_declarator":
			d = d.ChildByFieldName("declarator")
			if d == nil {
				return false
			}
		default:
			return false
		}
	}
	return false
}
