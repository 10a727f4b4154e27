package rpc

import (
	"encoding/json"

	"github.com/agentls/agentls/store"
)

// Wire types of the agentls protocol (docs/PROTOCOL.md). Message and
// TaskInfo are the store's records, which are kept in their wire shape.
type (
	Message  = store.Message
	TaskInfo = store.TaskInfo
)

// ProtocolVersion is experimental.agentls.protocolVersion.
const ProtocolVersion = 1

// InitializeParams is the part of LSP's InitializeParams agentls reads.
type InitializeParams struct {
	ProcessID             *int                `json:"processId"`
	RootURI               *string             `json:"rootUri"`
	RootPath              *string             `json:"rootPath"`
	WorkspaceFolders      []WorkspaceFolder   `json:"workspaceFolders"`
	Capabilities          ClientCapabilities  `json:"capabilities"`
	InitializationOptions *InitializationOpts `json:"initializationOptions"`
}

// WorkspaceFolder is LSP's WorkspaceFolder.
type WorkspaceFolder struct {
	URI  string `json:"uri"`
	Name string `json:"name"`
}

// ClientCapabilities is the part of LSP's ClientCapabilities agentls reads.
type ClientCapabilities struct {
	Window struct {
		WorkDoneProgress bool `json:"workDoneProgress"`
	} `json:"window"`
}

// InitializationOpts is initializationOptions.
type InitializationOpts struct {
	Model       *ModelOpts      `json:"model"`
	Background  *BackgroundOpts `json:"background"`
	AutoApprove *[]string       `json:"autoApprove"`
	DataDir     *string         `json:"dataDir"`
}

// ModelOpts is initializationOptions.model.
type ModelOpts struct {
	Provider      string `json:"provider"`
	Name          string `json:"name"`
	BaseURL       string `json:"baseURL"`
	APIKeyEnv     string `json:"apiKeyEnv"`
	Script        string `json:"script"`
	ContextWindow int    `json:"contextWindow"`
	MaxTokens     int    `json:"maxTokens"`
}

// BackgroundOpts is initializationOptions.background.
type BackgroundOpts struct {
	MaxConcurrent  *int     `json:"maxConcurrent"`
	TimeoutSeconds *float64 `json:"timeoutSeconds"`
}

// InitializeResult is the result of initialize.
type InitializeResult struct {
	Capabilities ServerCapabilities `json:"capabilities"`
	ServerInfo   ServerInfo         `json:"serverInfo"`
}

// ServerInfo names the server.
type ServerInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ServerCapabilities is what agentls offers.
type ServerCapabilities struct {
	ExecuteCommandProvider ExecuteCommandOptions `json:"executeCommandProvider"`
	Experimental           Experimental          `json:"experimental"`
}

// ExecuteCommandOptions lists the commands of workspace/executeCommand.
type ExecuteCommandOptions struct {
	Commands []string `json:"commands"`
}

// Experimental holds the agentls capabilities.
type Experimental struct {
	Agentls AgentlsCapabilities `json:"agentls"`
}

// AgentlsCapabilities describes the agent protocol on offer.
type AgentlsCapabilities struct {
	ProtocolVersion int      `json:"protocolVersion"`
	Modes           []string `json:"modes"`
	Tools           []string `json:"tools"`
	// ToolGroups maps each tool to its group (an extension).
	ToolGroups map[string]string `json:"toolGroups"`
}

// Commands of workspace/executeCommand.
const (
	CommandStartTask      = "agentls.startTask"
	CommandReply          = "agentls.reply"
	CommandCancelTask     = "agentls.cancelTask"
	CommandListBackground = "agentls.listBackground"
)

// StartParams of task/start.
type StartParams struct {
	Text  string `json:"text"`
	Mode  string `json:"mode"`
	Title string `json:"title"`
}

// StartResult of task/start.
type StartResult struct {
	TaskID string `json:"taskId"`
}

// ReplyParams of task/reply.
type ReplyParams struct {
	TaskID string `json:"taskId"`
	Text   string `json:"text"`
}

// TaskIDParams of task/cancel, task/get, task/resume and background/cancel.
type TaskIDParams struct {
	TaskID string `json:"taskId"`
}

// NoParams of task/list and background/list.
type NoParams struct{}

// TaskListResult of task/list and background/list.
type TaskListResult struct {
	Tasks []TaskInfo `json:"tasks"`
}

// GetResult of task/get.
type GetResult struct {
	Task     TaskInfo  `json:"task"`
	Messages []Message `json:"messages"`
}

// Empty is the {} result.
type Empty struct{}

// ExecuteCommandParams of workspace/executeCommand.
type ExecuteCommandParams struct {
	Command   string            `json:"command"`
	Arguments []json.RawMessage `json:"arguments"`
}

// CancelParams of $/cancelRequest.
type CancelParams struct {
	ID json.RawMessage `json:"id"`
}

// ProgressCancelParams of window/workDoneProgress/cancel.
type ProgressCancelParams struct {
	Token json.RawMessage `json:"token"`
}

// TaskMessageParams of the task/message notification.
type TaskMessageParams struct {
	TaskID  string  `json:"taskId"`
	Message Message `json:"message"`
}

// TaskStateParams of the task/state notification.
type TaskStateParams struct {
	Task  TaskInfo `json:"task"`
	Stack []string `json:"stack"`
}

// ShowMessageParams of window/showMessage and window/showMessageRequest.
type ShowMessageParams struct {
	Type    int                 `json:"type"`
	Message string              `json:"message"`
	Actions []MessageActionItem `json:"actions,omitempty"`
	// TaskID names the background task of an outcome (an extension).
	TaskID string `json:"taskId,omitempty"`
}

// MessageActionItem is an action of window/showMessageRequest.
type MessageActionItem struct {
	Title string `json:"title"`
}

// WorkDoneProgressCreateParams of window/workDoneProgress/create.
type WorkDoneProgressCreateParams struct {
	Token string `json:"token"`
}

// ProgressParams of $/progress.
type ProgressParams struct {
	Token string        `json:"token"`
	Value ProgressValue `json:"value"`
}

// ProgressValue is a WorkDoneProgressBegin, Report or End.
type ProgressValue struct {
	Kind        string `json:"kind"`
	Title       string `json:"title,omitempty"`
	Cancellable bool   `json:"cancellable,omitempty"`
	Message     string `json:"message,omitempty"`
}
