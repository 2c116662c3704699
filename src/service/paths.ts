/** The service's store sits beside the simulated host's state file (the same location as the CLI's). */
export function serviceStorePath(statePath: string): string {
  return statePath === ':memory:' ? statePath : `${statePath.replace(/\.db$/, '')}.xapi.db`;
}
