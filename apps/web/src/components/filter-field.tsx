/** A labelled search field that suggests known values (a `<datalist>`): the audit log's and the approvals' filters. */
export function FilterField({
  label,
  value,
  onChange,
  options,
  listId,
  placeholder,
  width,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The values it suggests. */
  options: readonly string[];
  /** The datalist's id, unique on the page. */
  listId: string;
  placeholder: string;
  /** A Tailwind width class for the field. */
  width: string;
}) {
  return (
    <label className="flex flex-col gap-1">
      <span className="text-xs font-medium text-stone-500">{label}</span>
      <input
        type="search"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        list={listId}
        placeholder={placeholder}
        spellCheck={false}
        className={`${width} rounded-md border border-stone-300 bg-white px-2 py-1 font-mono text-xs`}
      />
      <datalist id={listId}>
        {options.map((option) => (
          <option key={option} value={option} />
        ))}
      </datalist>
    </label>
  );
}
