import { adapterBuild } from "../tsup.adapter.ts";

export default adapterBuild("neutral");
