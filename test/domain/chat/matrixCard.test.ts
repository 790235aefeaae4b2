import { describe, expect, it } from 'vitest';
import { actionOfReaction, matrixCardContent } from '../../../domain/chat/matrixCard';

const card = {
  incidentId: 'checkout/db',
  code: '7KQ2MX',
  service: 'checkout',
  severity: 'error' as const,
  status: 'triggered' as const,
  summary: 'x',
  paged: [],
  incidentUrl: 'javascript:alert(1)',
  actionLinks: { resolve: 'javascript:alert(2)', escalate: 'https://vigil.example.test/v1/ack/e"><script>' },
};

describe('the Matrix incident card', () => {
  it('links only web URLs, escaped, and says who is paged even when nobody is yet', () => {
    const content = matrixCardContent(card);
    expect(content.formatted_body).not.toContain('javascript:');
    expect(content.body).not.toContain('javascript:');
    expect(content.formatted_body).toContain('<a href="https://vigil.example.test/v1/ack/e&quot;&gt;&lt;script&gt;">Escalate</a>');
    expect(content.body).toContain('Paged: nobody yet');
  });

  it('reads the three reactions, with or without a variation selector, and no look-alike', () => {
    expect(actionOfReaction('✅')).toBe('acknowledge');
    expect(actionOfReaction('🔒')).toBe('resolve');
    expect(actionOfReaction('⬆️')).toBe('escalate');
    expect(actionOfReaction('⬆')).toBe('escalate');
    expect(actionOfReaction('✔️')).toBeUndefined();
    expect(actionOfReaction('👍')).toBeUndefined();
  });
});
