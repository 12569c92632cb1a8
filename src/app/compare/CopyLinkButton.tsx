import { useEffect, useRef, useState } from 'react';
import { shareLink } from '../../state/url-state';

/**
 * "Copy link": the URL of the current state (view, source, frame, parameters,
 * compare choice, zoom, blind test) to the clipboard. Where the clipboard is
 * refused (permissions, insecure origin) the link is shown selected instead.
 */
export function CopyLinkButton() {
  const [status, setStatus] = useState<'idle' | 'copied' | 'manual'>('idle');
  const [link, setLink] = useState('');
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (status !== 'copied') return;
    const t = setTimeout(() => setStatus('idle'), 2000);
    return () => clearTimeout(t);
  }, [status]);
  useEffect(() => {
    if (status === 'manual') field.current?.select();
  }, [status]);
  const copy = async () => {
    const url = shareLink();
    setLink(url);
    try {
      await navigator.clipboard.writeText(url);
      setStatus('copied');
    } catch {
      setStatus('manual');
    }
  };
  return (
    <span className="copy-link">
      <button type="button" onClick={() => void copy()} title="Copy a link to exactly this view" data-testid="copy-link" data-link={link}>
        {status === 'copied' ? 'Link copied ✓' : 'Copy link'}
      </button>
      {status === 'manual' && (
        <input ref={field} readOnly value={link} aria-label="Link to this view (copy it)" data-testid="share-link-field" onBlur={() => setStatus('idle')} />
      )}
    </span>
  );
}
