package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/session"
	"github.com/agentls/agentls/store"
)

// demoScript drives the demo: the parent lists the workspace, starts a
// background summary and a foreground subtask that needs an approval, waits
// for the background work, and completes.
const demoScript = `{"conversations": [
 {"match": "^Tour this project", "turns": [
  {"text": "Let me look at the workspace first.", "toolCalls": [{"name": "list_files", "arguments": {"path": ".", "recursive": true}}]},
  {"text": "I will have a background task summarise the README while a subtask documents main.go.",
   "toolCalls": [
    {"name": "new_task", "arguments": {"mode": "ask", "message": "Summarise README.md in one line", "background": true}},
    {"name": "new_task", "arguments": {"mode": "code", "message": "Document what main.go prints in NOTES.md"}}]},
  {"toolCalls": [{"name": "wait_for_background", "arguments": {}}]},
  {"text": "Everything is in place.", "toolCalls": [{"name": "attempt_completion", "arguments": {"result": "The project prints a greeting; NOTES.md documents it and the README is summarised."}}]}]},
 {"match": "^Summarise README", "turns": [
  {"toolCalls": [{"name": "read_file", "arguments": {"path": "README.md"}}]},
  {"delayMs": 200, "toolCalls": [{"name": "attempt_completion", "arguments": {"result": "A tiny Go program that greets the world."}}]}]},
 {"match": "^Document what main.go prints", "turns": [
  {"text": "Reading main.go.", "toolCalls": [{"name": "read_file", "arguments": {"path": "main.go"}}]},
  {"text": "It prints a greeting; writing the note.", "toolCalls": [{"name": "write_to_file", "arguments": {"path": "NOTES.md", "content": "# Notes\n\nmain.go prints \"hello, world\".\n"}}]},
  {"toolCalls": [{"name": "attempt_completion", "arguments": {"result": "main.go prints \"hello, world\"; documented in NOTES.md."}}]}]}
]}`

var demoFiles = map[string]string{
	"README.md":   "# hello\n\nA tiny Go program that greets the world.\n",
	"main.go":     "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n",
	"go.mod":      "module hello\n\ngo 1.22\n",
	"script.json": demoScript,
}

// runDemo runs the server over an in-process pipe, drives one delegating
// task as an editor would, and prints what the editor sees.
func runDemo(out io.Writer, _ []string) int {
	dir, err := os.MkdirTemp("", "agentls-demo-")
	if err != nil {
		fmt.Fprintln(out, "demo:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root := filepath.Join(dir, "workspace")
	for name, content := range demoFiles {
		if err := writeDemoFile(filepath.Join(root, name), content); err != nil {
			fmt.Fprintln(out, "demo:", err)
			return 1
		}
	}

	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	done := make(chan int, 1)
	go func() {
		code := rpc.Serve(context.Background(), serverIn, serverOut, rpc.Options{Version: version, Logger: logger, Defaults: session.Config{Logger: logger}})
		serverOut.Close()
		done <- code
	}()

	p := &demoPrinter{out: out, titles: map[string]string{}, shown: map[string]int{}}
	c := rpcclient.New(clientIn, clientOut, rpcclient.Options{
		OnEvent: p.event,
		OnRequest: func(_ context.Context, method string, params json.RawMessage) (any, error) {
			if method == "window/showMessageRequest" {
				var req rpc.ShowMessageParams
				_ = json.Unmarshal(params, &req)
				fmt.Fprintf(out, "  ? approval asked: %s -> Approve\n", req.Message)
				return rpc.MessageActionItem{Title: rpc.ActionApprove}, nil
			}
			return nil, nil
		},
	})
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fmt.Fprintf(out, "agentls %s demo: workspace %s, script provider\n\n", version, root)
	init := map[string]any{
		"rootUri":      "file://" + root,
		"capabilities": map[string]any{"window": map[string]any{"workDoneProgress": true}},
		"initializationOptions": map[string]any{
			"model":       map[string]any{"provider": "script", "script": "script.json"},
			"autoApprove": []string{"read"},
			"dataDir":     filepath.Join(dir, "data"),
		},
	}
	var initResult rpc.InitializeResult
	if err := c.Call(ctx, "initialize", init, &initResult); err != nil {
		fmt.Fprintln(out, "initialize:", err)
		return 1
	}
	_ = c.Notify(ctx, "initialized", map[string]any{})
	fmt.Fprintf(out, "initialized: modes %v, %d tools\n\n", initResult.Capabilities.Experimental.Agentls.Modes, len(initResult.Capabilities.Experimental.Agentls.Tools))

	var started rpc.StartResult
	if err := c.Call(ctx, "task/start", rpc.StartParams{Text: "Tour this project and document it"}, &started); err != nil {
		fmt.Fprintln(out, "task/start:", err)
		return 1
	}
	_, _, err = c.WaitFor(ctx, 0, func(ev rpcclient.Event) bool {
		if ev.Method != "task/state" {
			return false
		}
		var st rpc.TaskStateParams
		_ = json.Unmarshal(ev.Params, &st)
		return st.Task.TaskID == started.TaskID && st.Task.Status.Final()
	})
	if err != nil {
		fmt.Fprintln(out, "waiting for the task:", err)
		return 1
	}
	var list rpc.TaskListResult
	if err := c.Call(ctx, "background/list", nil, &list); err == nil {
		fmt.Fprintln(out, "\nbackground/list:")
		for _, t := range list.Tasks {
			fmt.Fprintf(out, "  %s  %-9s %s\n", short(t.TaskID), t.Status, t.Title)
		}
	}
	if err := c.Call(ctx, "task/list", nil, &list); err == nil {
		fmt.Fprintln(out, "task/list (history):")
		for _, t := range list.Tasks {
			fmt.Fprintf(out, "  %s  %-9s %s\n", short(t.TaskID), t.Status, t.Title)
		}
	}
	if note, err := os.ReadFile(filepath.Join(root, "NOTES.md")); err == nil {
		fmt.Fprintf(out, "\nNOTES.md written by the subtask:\n%s", note)
	}
	_ = c.Call(ctx, "shutdown", nil, nil)
	_ = c.Notify(ctx, "exit", nil)
	code := <-done
	fmt.Fprintf(out, "\nserver exited with code %d\n", code)
	return code
}

func writeDemoFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// demoPrinter prints the events an editor receives.
type demoPrinter struct {
	out    io.Writer
	titles map[string]string
	shown  map[string]int // streamed text printed so far, by message id
}

func (p *demoPrinter) event(ev rpcclient.Event) {
	switch ev.Method {
	case "task/state":
		var st rpc.TaskStateParams
		_ = json.Unmarshal(ev.Params, &st)
		p.titles[st.Task.TaskID] = st.Task.Title
		var stack []string
		for _, id := range st.Stack {
			stack = append(stack, short(id))
		}
		fmt.Fprintf(p.out, "[state] %s %q is %s   stack [%s]\n", short(st.Task.TaskID), st.Task.Title, st.Task.Status, strings.Join(stack, " "))
	case "task/message":
		var tm rpc.TaskMessageParams
		_ = json.Unmarshal(ev.Params, &tm)
		p.message(tm.TaskID, tm.Message)
	case "window/showMessage":
		var sm rpc.ShowMessageParams
		_ = json.Unmarshal(ev.Params, &sm)
		kind := map[int]string{1: "error", 2: "warning", 3: "info", 4: "log"}[sm.Type]
		fmt.Fprintf(p.out, "[notification %s] %s\n", kind, sm.Message)
	case "$/progress":
		var pr rpc.ProgressParams
		_ = json.Unmarshal(ev.Params, &pr)
		text := pr.Value.Title + pr.Value.Message
		fmt.Fprintf(p.out, "[progress %s] %s\n", pr.Value.Kind, text)
	}
}

func (p *demoPrinter) message(taskID string, m store.Message) {
	who := short(taskID)
	switch m.Kind {
	case store.KindUser:
		fmt.Fprintf(p.out, "  %s user: %s\n", who, m.Text)
	case store.KindText:
		// Print each streamed chunk's new part; the final message ends the line.
		n := p.shown[m.ID]
		if n == 0 {
			fmt.Fprintf(p.out, "  %s assistant: ", who)
		}
		if len(m.Text) > n {
			fmt.Fprint(p.out, m.Text[n:])
			p.shown[m.ID] = len(m.Text)
		}
		if !m.Partial {
			fmt.Fprintln(p.out)
			delete(p.shown, m.ID)
		}
	case store.KindTool:
		input, _ := json.Marshal(m.Input)
		line := fmt.Sprintf("  %s tool %s %s: %s", who, m.Name, clip(string(input), 60), m.Status)
		if m.Output != "" && (m.Status == store.ToolDone || m.Status == store.ToolError) {
			line += " -> " + clip(strings.ReplaceAll(m.Output, "\n", " | "), 70)
		}
		fmt.Fprintln(p.out, line)
	case store.KindQuestion:
		fmt.Fprintf(p.out, "  %s question: %s %v\n", who, m.Text, m.Suggestions)
	case store.KindCompletion:
		fmt.Fprintf(p.out, "  %s completed: %s\n", who, m.Result)
	case store.KindBackground:
		fmt.Fprintf(p.out, "  %s background outcome: %q %s %s%s\n", who, m.Title, m.Status, m.Result, m.Text)
	case store.KindError:
		fmt.Fprintf(p.out, "  %s error: %s\n", who, m.Text)
	}
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
