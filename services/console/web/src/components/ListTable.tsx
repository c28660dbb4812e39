import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A column's header; numeric columns align right. */
export interface Column {
  label: string;
  numeric?: boolean;
}

/**
 * A list shown as a table: its headers, one row per item (the page renders
 * the row), and a plain "none" when the list is empty. Wide tables scroll in
 * their own box, so a phone's page never scrolls sideways.
 */
export function ListTable<T>({
  items,
  columns,
  row,
  testId,
}: {
  items: readonly T[];
  columns: readonly Column[];
  row: (item: T) => ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation();
  if (items.length === 0) return <p className="muted">{t("app.none")}</p>;
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th key={index} className={column.numeric ? "num" : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{items.map(row)}</tbody>
      </table>
    </div>
  );
}
