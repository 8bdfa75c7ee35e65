/** Rows of tensor specs (name, dtype, shape) under a group header, the first 50 unless `all`. */
import type { TensorSpec } from "../backend/generated/api";

export const TENSORS_SHOWN = 50;

export function TensorRows({ title, list, all = false, more }: { title: string; list: TensorSpec[]; all?: boolean; more: React.ReactNode }) {
  if (list.length === 0) return null;
  const shown = all ? list : list.slice(0, TENSORS_SHOWN);
  return (
    <>
      <tr className="group">
        <th colSpan={3}>
          {title} ({list.length})
        </th>
      </tr>
      {shown.map((t) => (
        <tr key={`${title}${t.name}`}>
          <td className="mono">{t.name}</td>
          <td>{t.dtype}</td>
          <td className="mono">[{t.shape.join(", ")}]</td>
        </tr>
      ))}
      {list.length > TENSORS_SHOWN && !all && <tr>{more}</tr>}
    </>
  );
}
