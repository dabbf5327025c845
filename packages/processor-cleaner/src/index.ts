/**
 * Not implemented yet: see the package README for the plan and the issue tracking it.
 * The package exists so the workspace, builds and release layout are in place.
 */
export const IMPLEMENTED = false;
