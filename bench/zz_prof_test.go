package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentls/agentls/rpc"
)

func BenchmarkZZInProcess(b *testing.B) {
	root := b.TempDir()
	os.WriteFile(filepath.Join(root, "script.json"), []byte(script()), 0o644)
	data := tmpfsDir(b)
	sIn, cOut := io.Pipe()
	cIn, sOut := io.Pipe()
	go rpc.Serve(context.Background(), sIn, sOut, rpc.Options{})
	final := make(chan rpc.TaskInfo, 10)
	w := newWire(cIn, cOut, func(m string, p json.RawMessage) {
		if m == "task/state" {
			var s rpc.TaskStateParams
			json.Unmarshal(p, &s)
			if s.Task.Status.Final() {
				final <- s.Task
			}
		}
	})
	ctx := context.Background()
	w.call(ctx, "initialize", map[string]any{"rootUri": (&url.URL{Scheme: "file", Path: root}).String(), "initializationOptions": map[string]any{"model": map[string]any{"provider": "script", "script": "script.json"}, "dataDir": data}}, nil)
	for b.Loop() {
		w.call(ctx, "task/start", map[string]any{"text": "Tools go"}, nil)
		<-final
	}
	b.ReportMetric(float64(w.notes.Load())/b.Elapsed().Seconds(), "notes/s")
	w.close()
}
