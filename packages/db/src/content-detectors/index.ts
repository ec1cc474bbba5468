export {
  createContentDetector,
  listContentDetectors,
  getContentDetector,
  updateContentDetector,
  deleteContentDetector,
  testContentDetector,
  screenContentDetectors,
} from "./manage-detectors";
