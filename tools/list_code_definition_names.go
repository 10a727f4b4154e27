package tools

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Limits of list_code_definition_names.
const (
	defsMaxFiles     = 50
	defsMaxPerFile   = 300
	defsMaxFileBytes = 2 << 20
	defsMaxLineChars = 200
)

//go:embed list_code_definition_names.md
var listCodeDefinitionNamesDescription string

type listCodeDefinitionNamesInput struct {
	Path string `json:"path"`
}

func listCodeDefinitionNamesTool() Tool {
	return Tool{
		Name:        "list_code_definition_names",
		Description: listCodeDefinitionNamesDescription,
		Group:       GroupRead,
		ReadOnly:    true,
		Schema: json.RawMessage(`{"type":"object","properties":{
"path":{"type":"string","description":"Source file, or directory whose source files to list, relative to the workspace root."}},
"required":["path"],"additionalProperties":false}`),
		Run: runListCodeDefinitionNames,
	}
}

// definition is one definition found in a source file.
type definition struct {
	start, end int // 1-based lines
}

// definitionFinder lists the definitions of one source file. It returns a
// note (say, a parse error) to show beside a partial result.
type definitionFinder func(ctx context.Context, src []byte) ([]definition, string, error)

// finderFor returns the definition finder for a file name, or nil when its
// language is not supported.
func finderFor(name string) definitionFinder {
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".go" {
		return goDefinitions
	}
	return treeSitterFinder(ext)
}

func runListCodeDefinitionNames(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error) {
	var in listCodeDefinitionNamesInput
	if err := decodeInput(input, &in, "path"); err != nil {
		return "", err
	}
	abs, err := ws.Resolve(in.Path)
	if err != nil {
		return "", err
	}
	fi, err := statInput(abs, in.Path, "read")
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		find := finderFor(abs)
		if find == nil {
			return "", fmt.Errorf("%q is not a source file this tool understands (%s); use read_file or search_files instead", in.Path, supportedLanguages)
		}
		var b strings.Builder
		if err := fileDefinitions(ctx, &b, ws, abs, find); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	return dirDefinitions(ctx, ws, abs, in.Path)
}

const supportedLanguages = "Go, Python, JavaScript, TypeScript, Rust, Java, C and C++"

// dirDefinitions lists the definitions of the source files directly in
// the directory abs that are not ignored, in name order.
func dirDefinitions(ctx context.Context, ws *Workspace, abs, name string) (string, error) {
	rel := ws.rel(abs)
	if rel == "." {
		rel = ""
	}
	entries, _, err := readDir(abs, rel, ws.ancestorRules(rel))
	if err != nil {
		return "", fmt.Errorf("cannot list %q: %v", name, unwrapPathError(err))
	}
	slices.SortFunc(entries, func(a, b walkEntry) int { return strings.Compare(a.rel, b.rel) })
	var b strings.Builder
	files, skipped := 0, 0
	for _, e := range entries {
		if !e.mode.IsRegular() {
			continue
		}
		find := finderFor(e.abs)
		if find == nil {
			continue
		}
		if files == defsMaxFiles {
			skipped++
			continue
		}
		files++
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		if err := fileDefinitions(ctx, &b, ws, e.abs, find); err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			fmt.Fprintf(&b, "# %s\n(%v)\n", e.rel, err)
		}
	}
	if files == 0 {
		return fmt.Sprintf("(%q has no source files this tool understands: %s. Its subdirectories are not searched; use list_files to find them.)", name, supportedLanguages), nil
	}
	if skipped > 0 {
		fmt.Fprintf(&b, "\n[%d more source files not shown; give the path of a file to see its definitions.]\n", skipped)
	}
	return b.String(), nil
}

// fileDefinitions writes "# path" and the definitions of one file to b.
func fileDefinitions(ctx context.Context, b *strings.Builder, ws *Workspace, abs string, find definitionFinder) error {
	rel := ws.rel(abs)
	fi, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("cannot read %q: %v", rel, unwrapPathError(err))
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%q is not a regular file", rel)
	}
	if fi.Size() > defsMaxFileBytes {
		return fmt.Errorf("%q is %s, over this tool's limit of %s; use search_files to find definitions in it", rel, byteSize(fi.Size()), byteSize(defsMaxFileBytes))
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		return fmt.Errorf("cannot read %q: %v", rel, unwrapPathError(err))
	}
	if isBinary(src) {
		return fmt.Errorf("%q looks binary", rel)
	}
	defs, note, err := find(ctx, src)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "# %s\n", rel)
	if len(defs) == 0 {
		b.WriteString("(no definitions found)\n")
	}
	lines := strings.Split(string(src), "\n")
	for i, d := range defs {
		if i == defsMaxPerFile {
			fmt.Fprintf(b, "[%d more definitions not shown; use read_file with start_line %d.]\n", len(defs)-i, d.start)
			break
		}
		text := ""
		if d.start >= 1 && d.start <= len(lines) {
			text, _ = clipLine([]byte(strings.TrimRight(lines[d.start-1], " \t\r")), defsMaxLineChars)
		}
		fmt.Fprintf(b, "%d-%d | %s\n", d.start, d.end, text)
	}
	if note != "" {
		fmt.Fprintf(b, "(%s)\n", note)
	}
	return nil
}
