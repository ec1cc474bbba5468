export { INLINE_SCAN_MAX, standaloneScan } from "./standalone-scan";
