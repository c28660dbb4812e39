export * from "./platform-error";
