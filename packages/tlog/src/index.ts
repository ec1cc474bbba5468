export * from "./hash";
export * from "./tree";
export * from "./verify";
export * from "./note";
export * from "./checkpoint";
export * from "./bundle";
export * from "./fields";
export * from "./bundle-parallel";
export { checkpointNoteSize } from "./portable/checkpoint";
