package tools

// All returns every tool, control tools first, in a stable order.
func All() []Tool {
	return append(controlTools(),
		readFileTool(),
		listFilesTool(),
		searchFilesTool(),
		listCodeDefinitionNamesTool(),
		writeToFileTool(),
		applyDiffTool(),
		executeCommandTool(),
	)
}

// ByName returns the tool with the given name from All.
func ByName(name string) (Tool, bool) {
	for _, t := range All() {
		if t.Name == name {
			return t, true
		}
	}
	return Tool{}, false
}
