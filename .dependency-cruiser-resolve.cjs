// How `npm run check:cycles` resolves the console's `@/…` imports (`paths` in apps/web/tsconfig.json).
// dependency-cruiser reads tsconfig paths only against a baseUrl, which that tsconfig rightly lacks.
module.exports = { resolve: { alias: { "@": `${__dirname}/apps/web/src` } } };
