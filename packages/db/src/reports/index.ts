export { createArticle12Report, type Article12Output } from "./article12-report";
