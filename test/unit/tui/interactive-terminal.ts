// Imported first by the TUI tests: ink decides at import time (is-in-ci) whether to draw live frames,
// and these tests drive a fake interactive terminal even when CI=true, as `ring tui` itself does.
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
