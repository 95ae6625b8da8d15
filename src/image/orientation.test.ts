import { describe, expect, it } from 'vitest';
import { turnPixels } from './orientation';

// 3 wide, 2 high:  a b c
//                  d e f
const img = Float32Array.of(1, 2, 3, 4, 5, 6);

describe('turnPixels', () => {
  it('turns clockwise: the top-left pixel goes to the top-right, and the image is as wide as it was high', () => {
    expect(turnPixels(img, 3, 2, 'turn_right')).toEqual({ data: Float32Array.of(4, 1, 5, 2, 6, 3), width: 2, height: 3 });
  });

  it('turns anticlockwise: the top-left pixel goes to the bottom-left', () => {
    expect(turnPixels(img, 3, 2, 'turn_left')).toEqual({ data: Float32Array.of(3, 6, 2, 5, 1, 4), width: 2, height: 3 });
  });

  it('turns half a turn, and each turn undoes its opposite', () => {
    expect(turnPixels(img, 3, 2, 'turn_half')).toEqual({ data: Float32Array.of(6, 5, 4, 3, 2, 1), width: 3, height: 2 });
    const right = turnPixels(img, 3, 2, 'turn_right');
    expect(turnPixels(right.data, right.width, right.height, 'turn_left').data).toEqual(img);
    const twice = turnPixels(right.data, right.width, right.height, 'turn_right');
    expect(twice.data).toEqual(turnPixels(img, 3, 2, 'turn_half').data);
  });

  it('flips left to right: each row reversed, the size kept, and a second flip undoes the first', () => {
    const flipped = turnPixels(img, 3, 2, 'flip');
    expect(flipped).toEqual({ data: Float32Array.of(3, 2, 1, 6, 5, 4), width: 3, height: 2 });
    expect(turnPixels(flipped.data, 3, 2, 'flip').data).toEqual(img);
  });

  it('keeps the array type (the viewer turns its Uint16 bins with the same function)', () => {
    const bins = turnPixels(Uint16Array.of(1, 2, 3, 4, 5, 6), 3, 2, 'turn_right').data;
    expect(bins).toBeInstanceOf(Uint16Array);
    expect(Array.from(bins)).toEqual([4, 1, 5, 2, 6, 3]);
  });
});
