package rpctest

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/agentls/agentls/rpc"
)

// Approver answers the server's window/showMessageRequest (approvals) for a
// test editor, with a function the test may change at any time; every
// other server request gets null. The default approves.
type Approver struct {
	mu      sync.Mutex
	approve func(message string) any
}

// Set makes f answer the approvals from now on.
func (a *Approver) Set(f func(message string) any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.approve = f
}

// OnRequest is an rpcclient.Options.OnRequest.
func (a *Approver) OnRequest(_ context.Context, method string, params json.RawMessage) (any, error) {
	if method != "window/showMessageRequest" {
		return nil, nil
	}
	var p rpc.ShowMessageParams
	_ = json.Unmarshal(params, &p)
	a.mu.Lock()
	approve := a.approve
	a.mu.Unlock()
	if approve == nil {
		return rpc.MessageActionItem{Title: rpc.ActionApprove}, nil
	}
	return approve(p.Message), nil
}
