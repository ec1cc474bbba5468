import { adapterBuild } from "../tsup.adapter.ts";

export default adapterBuild("node");
