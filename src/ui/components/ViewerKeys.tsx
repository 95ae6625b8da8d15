// "Mouse and keys": what the viewer answers to, for a sighted reader (the film's own label says it to a screen
// reader). A disclosure over the image panel, closed by default; opening it moves nothing below it.
const KEYS: ReadonlyArray<[string, string]> = [
  ['Wheel, pinch', 'zoom about the pointer'],
  ['Drag', 'pan (measuring: draw a distance)'],
  ['Right-drag, Shift-drag', 'window and level'],
  ['Double-click', 'fit the whole film'],
  ['+ / −', 'zoom (Tab to the film first)'],
  ['Arrow keys', 'pan'],
  ['0', 'fit'],
  ['M', 'measure on or off; Enter or Space marks an end at the centre'],
  ['F', 'full screen on or off'],
  ['Escape', 'drop a first measuring end, or leave full screen'],
  ['A word of the draft', 'hover or focus: its heatmap; click: keep it shown'],
];

export function ViewerKeys() {
  return (
    <details className="viewer-keys" data-testid="viewer-keys">
      <summary>Mouse and keys</summary>
      <dl>
        {KEYS.map(([key, does]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{does}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
