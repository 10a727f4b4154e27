package tools

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var defSources = map[string]string{
	"main.go": `package main

// Server serves.
type Server struct {
	n int
}

type (
	A int
	B = string
)

var x = 1

func (s *Server) Run() error {
	return nil
}

func main() {}
`,
	"app.py": `import os

@decorator
def top(a):
    pass

class Shape:
    def area(self):
        return 0

    class Inner:
        pass

x = 1
`,
	"web.js": `export function a() {}
const b = () => 1;
let notFn = 3;
class C {
  m() {}
}
export default class D {}
`,
	"types.ts": `export interface I { x: number }
type T = string;
enum E { A }
export abstract class K {
  abstract f(): void;
  g() {}
}
namespace N {
  export function h() {}
}
`,
	"lib.rs": `pub struct S { a: i32 }
enum E { A }
trait T {
    fn t(&self);
}
impl S {
    pub fn new() -> S { S { a: 1 } }
}
fn main() {}
mod m {
    fn inner() {}
}
`,
	"Main.java": `package p;

public class Main {
    private int x;
    public Main() {}
    public static void main(String[] args) {}
    interface Inner {}
}
`,
	"c.c": `#include <stdio.h>
struct point { int x; };
typedef int myint;
int add(int a, int b) { return a + b; }
static int *ptr(void);
int global;
`,
	"h.hpp": `#pragma once
namespace ns {
class Widget {
public:
    Widget();
    void draw() const;
    int size() { return 1; }
};
template <typename T> T max(T a, T b) { return a > b ? a : b; }
}
`,
	"notes.txt":   "not code\n",
	"broken.go":   "package x\n\nfunc ok() {}\n\nfunc bad( {\n",
	".gitignore":  "ignored.go\n",
	"ignored.go":  "package x\n\nfunc Hidden() {}\n",
	"sub/deep.go": "package sub\n\nfunc Deep() {}\n",
}

func TestListCodeDefinitionNames(t *testing.T) {
	ws := newTestWorkspace(t, defSources)
	tests := []struct {
		path    string
		want    string
		errPart string
	}{
		{path: "main.go", want: "# main.go\n4-6 | type Server struct {\n9-9 | \tA int\n10-10 | \tB = string\n15-17 | func (s *Server) Run() error {\n19-19 | func main() {}\n"},
		{path: "app.py", want: "# app.py\n4-5 | def top(a):\n7-12 | class Shape:\n8-9 |     def area(self):\n11-12 |     class Inner:\n"},
		{path: "web.js", want: "# web.js\n1-1 | export function a() {}\n2-2 | const b = () => 1;\n4-6 | class C {\n5-5 |   m() {}\n7-7 | export default class D {}\n"},
		{path: "types.ts", want: "# types.ts\n1-1 | export interface I { x: number }\n2-2 | type T = string;\n3-3 | enum E { A }\n4-7 | export abstract class K {\n5-5 |   abstract f(): void;\n6-6 |   g() {}\n8-10 | namespace N {\n9-9 |   export function h() {}\n"},
		{path: "lib.rs", want: "# lib.rs\n1-1 | pub struct S { a: i32 }\n2-2 | enum E { A }\n3-5 | trait T {\n4-4 |     fn t(&self);\n6-8 | impl S {\n7-7 |     pub fn new() -> S { S { a: 1 } }\n9-9 | fn main() {}\n10-12 | mod m {\n11-11 |     fn inner() {}\n"},
		{path: "Main.java", want: "# Main.java\n3-8 | public class Main {\n5-5 |     public Main() {}\n6-6 |     public static void main(String[] args) {}\n7-7 |     interface Inner {}\n"},
		{path: "c.c", want: "# c.c\n2-2 | struct point { int x; };\n3-3 | typedef int myint;\n4-4 | int add(int a, int b) { return a + b; }\n5-5 | static int *ptr(void);\n"},
		{path: "h.hpp", want: "# h.hpp\n2-10 | namespace ns {\n3-8 | class Widget {\n5-5 |     Widget();\n6-6 |     void draw() const;\n7-7 |     int size() { return 1; }\n9-9 | template <typename T> T max(T a, T b) { return a > b ? a : b; }\n"},
		{path: "broken.go", want: "# broken.go\n3-3 | func ok() {}\n5-5 | func bad( {\n(syntax error: 5:11: expected ')', found '{'; the list may be incomplete)\n"},
		{path: "ignored.go", want: "# ignored.go\n3-3 | func Hidden() {}\n"},
		{path: "sub", want: "# sub/deep.go\n3-3 | func Deep() {}\n"},
		{path: "notes.txt", errPart: "not a source file"},
		{path: "nope.go", errPart: "does not exist"},
		{path: "../x.go", errPart: "outside the workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := run(t, ws, "list_code_definition_names", map[string]any{"path": tt.path})
			if tt.errPart != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.errPart)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestListCodeDefinitionNamesDir(t *testing.T) {
	ws := newTestWorkspace(t, defSources)
	got, err := run(t, ws, "list_code_definition_names", map[string]any{"path": "."})
	require.NoError(t, err)
	for _, f := range []string{"# main.go\n", "# app.py\n", "# web.js\n", "# types.ts\n", "# lib.rs\n", "# Main.java\n", "# c.c\n", "# h.hpp\n", "# broken.go\n"} {
		assert.Contains(t, got, f)
	}
	assert.NotContains(t, got, "ignored.go", "ignored files are skipped in a directory")
	assert.NotContains(t, got, "deep.go", "subdirectories are not searched")
	assert.NotContains(t, got, "notes.txt")

	empty := newTestWorkspace(t, map[string]string{"a.txt": ""})
	got, err = run(t, empty, "list_code_definition_names", map[string]any{"path": "."})
	require.NoError(t, err)
	assert.Contains(t, got, "no source files")
}
