package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sourcegraph/jsonrpc2"
)

// method is one entry of the dispatch table. call returns the result, and
// optionally work to start once the reply has been sent.
type method struct {
	// async methods run on their own goroutine and can be cancelled with
	// $/cancelRequest; the others answer in order, on the read loop.
	async bool
	call  func(ctx context.Context, s *server, params json.RawMessage) (any, func(), error)
}

// methods is the dispatch table: each method decodes its typed params,
// validates them, and calls the session.
var methods = map[string]method{
	"initialize":               {call: typed(true, (*server).initialize)},
	"shutdown":                 {call: typed(false, (*server).shutdown)},
	"task/start":               {call: typed(true, (*server).startTask)},
	"task/reply":               {call: typed(true, (*server).replyTask)},
	"task/cancel":              {call: typed(true, (*server).cancelTask)},
	"task/list":                {async: true, call: typed(false, (*server).listTasks)},
	"task/get":                 {async: true, call: typed(true, (*server).getTask)},
	"task/resume":              {call: typed(true, (*server).resumeTask)},
	"background/list":          {async: true, call: typed(false, (*server).listBackground)},
	"background/cancel":        {call: typed(true, (*server).cancelBackground)},
	"workspace/executeCommand": {call: typed(true, (*server).executeCommand)},
}

// typed adapts a handler of typed params to the table.
func typed[P any](required bool, fn func(*server, context.Context, P) (any, func(), error)) func(context.Context, *server, json.RawMessage) (any, func(), error) {
	return func(ctx context.Context, s *server, raw json.RawMessage) (any, func(), error) {
		p, err := decodeParams[P](raw, required)
		if err != nil {
			return nil, nil, err
		}
		return fn(s, ctx, p)
	}
}

// decodeParams decodes params into P; errors name the offending field.
func decodeParams[P any](raw json.RawMessage, required bool) (P, error) {
	var p P
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		if required {
			return p, errorf(jsonrpc2.CodeInvalidParams, "params: missing")
		}
		return p, nil
	}
	if trimmed[0] != '{' {
		return p, errorf(jsonrpc2.CodeInvalidParams, "params: must be an object")
	}
	if err := json.Unmarshal(trimmed, &p); err != nil {
		return p, errorf(jsonrpc2.CodeInvalidParams, "%s", describeDecodeError(err))
	}
	return p, nil
}

// describeDecodeError says which field was wrong and how.
func describeDecodeError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "params"
		}
		return fmt.Sprintf("%s: expected %s, got %s", field, jsonType(te.Type.Kind().String()), te.Value)
	}
	return "params: " + err.Error()
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr", "pointer":
		return "an object"
	}
	return "a number"
}

func (s *server) shutdown(_ context.Context, _ NoParams) (any, func(), error) {
	s.mu.Lock()
	s.state = shutDown
	s.mu.Unlock()
	s.closeSession()
	return nil, nil, nil
}

func (s *server) startTask(_ context.Context, p StartParams) (any, func(), error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	id, run, err := sess.Start(sessionStart(p))
	if err != nil {
		return nil, nil, err
	}
	return StartResult{TaskID: id}, run, nil
}

func (s *server) replyTask(_ context.Context, p ReplyParams) (any, func(), error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	run, err := sess.Reply(p.TaskID, p.Text)
	if err != nil {
		return nil, nil, err
	}
	return Empty{}, run, nil
}

func (s *server) cancelTask(_ context.Context, p TaskIDParams) (any, func(), error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	return Empty{}, nil, sess.Cancel(p.TaskID)
}

func (s *server) listTasks(_ context.Context, _ NoParams) (any, func(), error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	infos, err := sess.List()
	if err != nil {
		return nil, nil, err
	}
	return TaskListResult{Tasks: nonNil(infos)}, nil, nil
}

func (s *server) getTask(_ context.Context, p TaskIDParams) (any, func(), error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	info, msgs, err := sess.Get(p.TaskID)
	if err != nil {
		return nil, nil, err
	}
	return GetResult{Task: info, Messages: nonNil(msgs)}, nil, nil
}

func (s *server) resumeTask(_ context.Context, p TaskIDParams) (any, func(), error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	run, err := sess.Resume(p.TaskID)
	if err != nil {
		return nil, nil, err
	}
	return Empty{}, run, nil
}

func (s *server) listBackground(_ context.Context, _ NoParams) (any, func(), error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	return TaskListResult{Tasks: nonNil(sess.BackgroundList())}, nil, nil
}

func (s *server) cancelBackground(_ context.Context, p TaskIDParams) (any, func(), error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	return Empty{}, nil, sess.CancelBackground(p.TaskID)
}

// executeCommand runs an agentls.* command with its one argument object,
// shaped as the matching request's params.
func (s *server) executeCommand(ctx context.Context, p ExecuteCommandParams) (any, func(), error) {
	var arg json.RawMessage
	if len(p.Arguments) > 0 {
		arg = p.Arguments[0]
	}
	var call func(context.Context, *server, json.RawMessage) (any, func(), error)
	switch p.Command {
	case CommandStartTask:
		call = typed(true, (*server).startTask)
	case CommandReply:
		call = typed(true, (*server).replyTask)
	case CommandCancelTask:
		call = typed(true, (*server).cancelTask)
	case CommandListBackground:
		call = typed(false, (*server).listBackground)
	case "":
		return nil, nil, errorf(jsonrpc2.CodeInvalidParams, "command: missing")
	default:
		return nil, nil, errorf(jsonrpc2.CodeInvalidParams, "command: unknown command %q", p.Command)
	}
	result, then, err := call(ctx, s, arg)
	var we *jsonrpc2.Error
	if errors.As(err, &we) && we.Code == jsonrpc2.CodeInvalidParams {
		if rest, ok := strings.CutPrefix(we.Message, "params"); ok {
			we.Message = "arguments[0]" + rest
		} else {
			we.Message = "arguments[0]." + we.Message
		}
	}
	return result, then, err
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
