/**
 * SET for exactly the fields given (undefined = leave alone: PUT never blanks what its
 * body omits) plus tm_update. `#pk` is named for the callers' attribute_exists condition.
 */
export function setGivenFields(changes: Record<string, string | undefined>, tmUpdate: string) {
  const names: Record<string, string> = { '#pk': 'PK', '#tm_update': 'tm_update' };
  const values: Record<string, unknown> = { ':tm_update': tmUpdate };
  const sets = ['#tm_update = :tm_update'];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  return { UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}
