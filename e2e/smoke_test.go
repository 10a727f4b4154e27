package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSmoke(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": `{"conversations":[{"match":"","turns":[{"text":"hello there","toolCalls":[{"name":"attempt_completion","arguments":{"result":"ok"}}]}]}]}`})
	e := connect(t, ws)
	e.initialize(nil)
	id := e.start("hi")
	info := e.waitFinal(id)
	assert.Equal(t, "completed", string(info.Status))
	assert.Equal(t, 0, e.shutdown())
}
