/** Prisma reports unique-constraint violations as P2002 (driver adapters keep the code). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002";
}
