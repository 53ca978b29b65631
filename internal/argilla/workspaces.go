package argilla

import (
	"context"
	"fmt"
	"log/slog"
)

// EnsureWorkspaces returns the workspaces named, creating those missing.
// A workspace created at the same time by another sign-in or process is
// found, not reported as an error.
func (p *Provisioner) EnsureWorkspaces(ctx context.Context, names []string) ([]Workspace, error) {
	if len(names) == 0 {
		return nil, nil
	}
	log, ok := ctx.Value(loggerKey{}).(*slog.Logger)
	if !ok {
		log = p.log
	}
	byName, err := p.workspacesByName(ctx, log)
	if err != nil {
		return nil, err
	}

	result := make([]Workspace, 0, len(names))
	for _, name := range names {
		w, ok := byName[name]
		if !ok {
			w, err = p.createWorkspace(ctx, log, name)
			if err != nil {
				return nil, err
			}
		}
		result = append(result, w)
	}
	return result, nil
}

// createWorkspace creates the workspace name. When the call fails,
// another process may have created it (Argilla responds with 409, or 500 when
// both inserts race), so the list is read again before giving up.
func (p *Provisioner) createWorkspace(ctx context.Context, log *slog.Logger, name string) (Workspace, error) {
	var created *Workspace
	err := p.retry(ctx, log, "create workspace", func() error {
		var err error
		created, err = p.client.CreateWorkspace(ctx, name)
		return err
	})
	if err == nil {
		log.InfoContext(ctx, "workspace created", slog.String("workspace", name),
			slog.String("workspace_id", created.ID))
		return *created, nil
	}

	byName, listErr := p.workspacesByName(ctx, log)
	if listErr != nil {
		return Workspace{}, fmt.Errorf("create workspace %q: %w", name, err)
	}
	if w, ok := byName[name]; ok {
		return w, nil
	}
	return Workspace{}, fmt.Errorf("create workspace %q: %w", name, err)
}

func (p *Provisioner) workspacesByName(ctx context.Context, log *slog.Logger) (map[string]Workspace, error) {
	var list []Workspace
	err := p.retry(ctx, log, "list workspaces", func() error {
		var err error
		list, err = p.client.ListWorkspaces(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	byName := make(map[string]Workspace, len(list))
	for _, w := range list {
		byName[w.Name] = w
	}
	return byName, nil
}
