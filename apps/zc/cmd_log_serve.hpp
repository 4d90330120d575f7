// zc log serve: registered under `zc log` by cmd_log.cpp.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace zc::cli {

// Adds `serve` to the log verb; the function runs it once parsed.
std::function<int()> add_log_serve_command(CLI::App& log_app, CLI::App*& serve_app);

} // namespace zc::cli
