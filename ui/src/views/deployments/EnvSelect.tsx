/** An environment picker (the Deployments view's cards share it). */
export function EnvSelect(props: { testId: string; value: string; envs: string[]; onChange: (env: string) => void }) {
  return (
    <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      {props.envs.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </select>
  );
}
