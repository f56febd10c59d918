// Which lines of explain's text to highlight for a chosen address: the lines naming it (its
// listener, its rule), and the endpoint lines it can reach.

export interface ExplainLine {
  text: string;
  cls?: 'hit' | 'ep';
}

export function highlightExplain(text: string, address: string): ExplainLine[] {
  const [ip, port] = address.split(/:(?=\d+$)/);
  return text.replace(/\n$/, '').split('\n').map((line) => {
    if (ip && (line.includes(address) || (line.includes(ip) && port && line.includes(port)))) return { text: line, cls: 'hit' };
    if (/^\s+\S+:\d+\s+(ready|not ready)/.test(line)) return { text: line, cls: 'ep' };
    return { text: line };
  });
}
