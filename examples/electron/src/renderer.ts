/** The page: sends the sentence to the main process and lists the candidates. */
interface Candidate {
  score: number;
  token_str: string;
}
interface DistilBertBridge {
  fillMask(text: string): Promise<Candidate[][] | { error: { code: string; message: string } }>;
}
const bridge = (window as unknown as { distilbert: DistilBertBridge }).distilbert;

document.getElementById('form')!.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = (document.getElementById('text') as HTMLInputElement).value;
  const out = document.getElementById('out')!;
  out.textContent = '';
  const result = await bridge.fillMask(text);
  if ('error' in result) {
    out.textContent = `${result.error.code}: ${result.error.message}`;
    return;
  }
  for (const c of result[0] ?? []) {
    const li = document.createElement('li');
    li.textContent = `${c.token_str} (${c.score.toFixed(3)})`;
    out.appendChild(li);
  }
});
