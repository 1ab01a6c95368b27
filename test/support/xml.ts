/**
 * XML answers for the fake AWS's query-protocol (CloudFormation, Elastic Load Balancing) and
 * REST-XML (Route 53) APIs: an object's keys become elements, a list's items become `<member>`
 * elements, or the element that `lists` names for that list (Route 53 names its items:
 * `<ResourceRecordSets><ResourceRecordSet>`).
 */

/** The item element of each list, by the list's element name; `member` when not listed. */
export type XmlLists = Readonly<Record<string, string>>;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `value` as the content of an element. */
export function toXml(value: unknown, lists: XmlLists = {}, name = ''): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const item = lists[name] ?? 'member';
    return value.map((v) => `<${item}>${toXml(v, lists, item)}</${item}>`).join('');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => `<${key}>${toXml(v, lists, key)}</${key}>`)
      .join('');
  }
  return escape(typeof value === 'string' ? value : JSON.stringify(value));
}
