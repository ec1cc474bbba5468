/** The options of an agent filter: "All agents", then each agent; an id not in the list (say, from a link) stays selectable. */
export function AgentOptions({ agents, selected }: { agents: ReadonlyArray<{ id: string; name: string }>; selected?: string }) {
  return (
    <>
      <option value="">All agents</option>
      {selected && !agents.some((agent) => agent.id === selected) ? <option value={selected}>{selected}</option> : null}
      {agents.map((agent) => (
        <option key={agent.id} value={agent.id}>
          {agent.name}
        </option>
      ))}
    </>
  );
}
