export { consoleEnv, loadConsoleConfig, serviceUrlVariable, type ConsoleConfig } from "./config";
export { WEB_ROOT, createConsoleApp, startConsole, type ConsoleServerOptions, type RunningConsole } from "./server";
